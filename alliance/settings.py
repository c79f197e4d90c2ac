"""Settings for the 红链 portal — the only settings module.

Production, CI and the embedded default differ only by environment variables (see README).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from alliance import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.get_str("DJANGO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.get_bool("DJANGO_DEBUG", False)

# A development key is only acceptable while DEBUG is on; without a key production stops here.
SECRET_KEY = env.get_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env.get_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.get_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "alliance.core.apps.CoreConfig",
    "chains.apps.ChainsConfig",
    "enterprises.apps.EnterprisesConfig",
    "liaisons.apps.LiaisonsConfig",
    "events.apps.EventsConfig",
    "alliance.apps.ShellConfig",
    "alliance.core.apps.PortalAdminConfig",  # django.contrib.admin with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "import_export",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "alliance.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "alliance.core.middleware.UnusableValueMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": env.get_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The covering index of the needs list (INCLUDE columns) is a PostgreSQL feature; SQLite,
    # the embedded default for trying the portal out, builds it without them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "alliance.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (OWASP ASVS 2.2.1): 5 failures lock the account name, and 5 failures from one
# address lock that address (password spraying), each for 15 minutes.
AXES_FAILURE_LIMIT = env.get_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.get_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from npm (package.json + lock file) and are served from node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.get_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.get_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Upload limits: keep Django's request caps and bound each file (checked again per field).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# All the files of one request together; bytes past it are not even stored while the request
# is read, and the form says so (alliance.core.upload_cap).
UPLOAD_MAX_REQUEST_BYTES = env.get_int("DJANGO_UPLOAD_MAX_REQUEST_MB", 30, minimum=1) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "alliance.core.upload_cap.RequestUploadCapHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
ROSTER_IMPORT_MAX_BYTES = 5 * 1024 * 1024
ROSTER_IMPORT_MAX_ROWS = 5000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_USE_TRANSACTIONS = True
# The file between an import's preview and its confirmation lives under MEDIA_ROOT, which every
# web process shares (a temp folder is per machine); enterprises.tasks removes abandoned ones.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

_email = env.get_email("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    # Logged at INFO: printed, a Celery worker would log every e-mail as a WARNING.
    EMAIL_BACKEND = "alliance.core.mail.ConsoleEmailBackend"
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.get_str("DJANGO_DEFAULT_FROM_EMAIL", "红链平台 <noreply@hongchain.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people open the portal. Every link that leaves a page is built from it, never from a
# request's Host: e-mails are sent by the worker, which has no request, and a printed QR code, a
# subscribed calendar feed or a saved .ics outlive the request (docs/decisions.md, Operations).
# Unset, it is the address `make run` serves: the Makefile exports WEB_PORT to the web server,
# the worker and beat alike (not PORT, which honcho sets to a different number for each process).
WEB_PORT = env.get_int("WEB_PORT", 8000, minimum=1, maximum=65535)
# Who the viewer is, read once per request (alliance.core.viewer): the shell's one-query reader.
PORTAL_VIEWER_FACTS = "alliance.roles.navbar_facts"
PORTAL_BASE_URL = env.get_base_url("DJANGO_PORTAL_BASE_URL", f"http://127.0.0.1:{WEB_PORT}")

# --- Security -----------------------------------------------------------------------------
SECURE = not DEBUG
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
# The language cookie travels like the session cookie: no script reads it (the switcher is a
# form), and a cross-site request carries it only on a top-level navigation.
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SECURE_SSL_REDIRECT = env.get_bool("DJANGO_SECURE_SSL_REDIRECT", SECURE)
SECURE_HSTS_SECONDS = env.get_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.get_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    # Only behind a reverse proxy that terminates TLS and overwrites this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts anywhere: all JavaScript lives in static files. Inline style attributes
# (used by the admin and by chart libraries) cannot run code and stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.get_broker_url("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded default: messages are files, so trying the portal needs no Redis.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    # No long ETAs are ever scheduled (sweeps instead), so one hour is safe. The socket
    # timeouts bound the worker's and beat's waits on a broker that is down; a request
    # publishes through alliance.core.broker.prompt_connection with much shorter ones.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        # kombu's Redis transport with the guard that keeps a worker alive when Redis drops
        # while it holds unacknowledged messages (alliance/core/broker.py).
        CELERY_BROKER_TRANSPORT = "alliance.core.broker:Transport"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "alliance.tasks.record_heartbeat", "schedule": 60.0},
    "send-pending-notification-emails": {
        "task": "alliance.tasks.send_pending_notification_emails",
        "schedule": 120.0,
    },
    "sweep-need-deadlines": {"task": "liaisons.tasks.sweep_need_deadlines", "schedule": 300.0},
    # Each change to a calendar day or year queues it (a time limit queues the escalation
    # moments alone); nightly as well, for what changes without anyone saving (a new release of
    # the statutory calendar package): the open deadlines and the escalation moments.
    "recount-need-deadlines": {
        "task": "liaisons.tasks.recount_need_deadlines",
        "schedule": crontab(hour=2, minute=45),
    },
    "generate-series-occurrences": {
        "task": "events.tasks.generate_series_occurrences",
        "schedule": crontab(hour=2, minute=15),
    },
    # Claims and sends the meeting reminders that are due; safe to run twice at the same time.
    "send-event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": 60.0},
    # The weekly report (周通报) of the week just ended; a week already published is kept.
    "generate-weekly-report": {
        "task": "alliance.tasks.generate_weekly_report",
        "schedule": crontab(day_of_week=1, hour=7, minute=30),
    },
    # Files no row names any more: attachments of rolled-back requests, unconfirmed imports.
    "remove-orphan-attachment-files": {
        "task": "liaisons.tasks.remove_orphan_attachment_files",
        "schedule": crontab(hour=3, minute=30),
    },
    "remove-abandoned-import-previews": {
        "task": "enterprises.tasks.remove_abandoned_import_previews",
        "schedule": crontab(hour=3, minute=40),
    },
    # The dashboards' needs and meetings figures, counted ahead (SUMMARY_MAX_AGE).
    "refresh-dashboard-summary": {
        "task": "alliance.tasks.refresh_dashboard_summary",
        "schedule": 600.0,
    },
    # Owners of open action items past their due date, once per due date (Asia/Shanghai).
    "warn-overdue-action-items": {
        "task": "liaisons.tasks.warn_overdue_action_items",
        "schedule": crontab(hour=8, minute=30),
    },
}
# How long before a meeting its invitees are reminded (by e-mail and in the portal).
EVENT_REMINDER_OFFSETS = env.get_durations(
    "DJANGO_EVENT_REMINDER_OFFSETS",
    [timedelta(days=3), timedelta(days=1), timedelta(hours=2)],
)

# Normal operation logs at INFO or below: WARNING and up mean someone should look.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "filesystem_broker_hostname": {
            "()": "alliance.core.logfilters.DropFilesystemBrokerHostname"
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.get_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes.apps": {"level": "WARNING"},  # a banner on every command start
        # The embedded broker has no host: kombu's "No hostname was supplied" is no news.
        "kombu.connection": {"filters": ["filesystem_broker_hostname"]},
    },
}
