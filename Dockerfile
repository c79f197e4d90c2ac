# Production image: one image for web, worker and beat (see docker-compose.yml and Procfile).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_VAR_DIR=/app/var

# postgresql-client-15: pg_dump and pg_restore of the server's major version, for
# `manage.py backup` and `restore` (an older pg_dump cannot dump a newer server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext nodejs npm postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt package.json package-lock.json ./
RUN pip install --no-cache-dir -r requirements.txt && npm ci --no-audit --no-fund

COPY . .
# Build-time only: settings need a key to load; the real one comes from the environment.
RUN DJANGO_SECRET_KEY=build-only-not-secret python manage.py compilemessages --ignore=node_modules \
    && DJANGO_SECRET_KEY=build-only-not-secret python manage.py collectstatic --no-input \
    && useradd --create-home portal && mkdir -p /app/var && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "alliance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "2", "--access-logfile", "-"]
