"""Test run: the project's settings with test-only environment defaults and a fast hasher."""

import os
import tempfile

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
# The live server for browser tests speaks plain HTTP.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from alliance.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
MEDIA_ROOT = tempfile.mkdtemp(prefix="hongchain-media-")
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not :memory:, so that a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"hongchain-test-{os.getpid()}.sqlite3")
    }
