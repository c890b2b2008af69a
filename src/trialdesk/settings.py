"""Django settings. Read from the environment when Django configures itself, never by the domain core.

TRIALDESK_DATABASE_URL  postgresql://... switches from the embedded SQLite database to PostgreSQL
TRIALDESK_DATA_DIR      folder of the SQLite database (default ./data)
TRIALDESK_SECRET_KEY    secret key (generated and kept in the data folder when absent)
TRIALDESK_DEBUG         1 for development error pages
TRIALDESK_SECURE_COOKIES 0 to allow cookies over plain http (the local server); 1 by default behind TLS
TRIALDESK_AUDIT_KEY_FILE the audit log's Ed25519 signing key (default <data folder>/audit-signing-key.pem)
TRIALDESK_TASKS_BACKEND database (default: jobs in the database, `trialdesk worker` runs them), redis, or
                        immediate (run at once in the caller; the test suite's choice)
TRIALDESK_REDIS_URL     redis://... for TRIALDESK_TASKS_BACKEND=redis (needs the `redis` extra)
TRIALDESK_GENERATED_DIR generated reports and exports (default <data folder>/generated)
TRIALDESK_REPLICA_DATABASE_URL  postgresql://... a read replica: exports and reports read their rows from it
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url

DATA_DIR = Path(os.environ.get("TRIALDESK_DATA_DIR", "data")).resolve()
DEBUG = os.environ.get("TRIALDESK_DEBUG", "0") == "1"


def _secret_key() -> str:
    explicit = os.environ.get("TRIALDESK_SECRET_KEY")
    if explicit:
        return explicit
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    return (
        "insecure-key-for-tests-only-" + secrets.token_hex(8)
        if os.environ.get("PYTEST_VERSION")
        else _new_key(key_file)
    )


def _new_key(key_file: Path) -> str:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("TRIALDESK_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "trialdesk.records",
    "trialdesk.records.treatment",
    "trialdesk.records.casebook",
    "trialdesk.web",
    "ninja",  # serves Swagger UI from its bundled static files instead of a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trialdesk.web.middleware.UserPreferencesMiddleware",
    "trialdesk.web.request_context.RequestContextMiddleware",
]
MIDDLEWARE.insert(1, "trialdesk.web.security.SecurityHeadersMiddleware")
MIDDLEWARE.insert(2, "trialdesk.web.hostile.RefuseNulMiddleware")  # before any lookup by a URL part

ROOT_URLCONF = "trialdesk.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trialdesk.web.context.trialdesk_context",
            ]
        },
    }
]
WSGI_APPLICATION = "trialdesk.web.wsgi.application"

_database_url = os.environ.get("TRIALDESK_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "trialdesk.sqlite3"),
            # IMMEDIATE transactions take the write lock at BEGIN: allocation under concurrency never deadlocks.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
            # A file, not shared memory, so that concurrency tests exercise SQLite's real locking.
            "TEST": {"NAME": os.path.join(tempfile.gettempdir(), f"trialdesk-test-{os.getpid()}.sqlite3")},
        }
    }
# A read replica for reports and exports (docs/deployment.md): reads inside `records.replica.replica_reads()`.
_replica_url = os.environ.get("TRIALDESK_REPLICA_DATABASE_URL")
if _replica_url:
    DATABASES["replica"] = {
        **dj_database_url.parse(_replica_url, conn_max_age=0),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["trialdesk.records.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The audit signing key lives OUTSIDE the database (a file, 0600); tests use a throwaway one per process.
AUDIT_KEY_FILE = os.environ.get("TRIALDESK_AUDIT_KEY_FILE") or (
    os.path.join(tempfile.gettempdir(), f"trialdesk-test-audit-key-{os.getpid()}.pem")
    if os.environ.get("PYTEST_VERSION")
    else str(DATA_DIR / "audit-signing-key.pem")
)

# Generated reports and exports (background jobs) are kept here; tests use a throwaway folder per process.
GENERATED_DIR = Path(
    os.environ.get("TRIALDESK_GENERATED_DIR")
    or (
        os.path.join(tempfile.gettempdir(), f"trialdesk-test-generated-{os.getpid()}")
        if os.environ.get("PYTEST_VERSION")
        else DATA_DIR / "generated"
    )
)

# A committing write looks at the job queue (to queue sealing) at most once per this many seconds per process;
# the job worker also seals every AUDIT_SEAL_SWEEP_SECONDS, so nothing waits longer than that to be sealed.
AUDIT_SEAL_QUEUE_INTERVAL = 0.5
AUDIT_SEAL_SWEEP_SECONDS = 5.0

# Background jobs (django-tasks): in the database by default, Redis (RQ) as an option; the tests run them at once.
_tasks_backend = os.environ.get("TRIALDESK_TASKS_BACKEND") or (
    "immediate" if os.environ.get("PYTEST_VERSION") else "database"
)
if _tasks_backend == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": os.environ.get("TRIALDESK_REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif _tasks_backend == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
if os.environ.get(
    "PYTEST_VERSION"
):  # the test suite hashes hundreds of passwords: same algorithm, cheaper cost
    PASSWORD_HASHERS = ["trialdesk.records.hashers.TestArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

_secure = os.environ.get("TRIALDESK_SECURE_COOKIES", "1") == "1"
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fa", "فارسی")]
LOCALE_PATHS = [str(Path(__file__).parent / "web" / "locale")]
USE_I18N = True
USE_TZ = True
# Day boundaries (dosing days, visit windows, "today") follow this zone; a Kermanshah site sets Asia/Tehran.
TIME_ZONE = os.environ.get("TRIALDESK_TIME_ZONE", "UTC")

STATIC_URL = "static/"
# Static files are served from the installed package (whitenoise finders): no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Failed sign-ins per account and per address before a lock-out (window in seconds).
LOGIN_THROTTLE_ATTEMPTS = 5
LOGIN_THROTTLE_WINDOW = 15 * 60

# Errors with their request id to stderr and to a rotating file in the data folder (never identifying values).
LOG_DIR = DATA_DIR / "logs"
_log_to_file = not os.environ.get("PYTEST_VERSION")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "trialdesk.web.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(request_line)s %(message)s"
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
            "level": "WARNING",
        },
        **(
            {
                "file": {
                    "class": "logging.handlers.RotatingFileHandler",
                    "filename": str(LOG_DIR / "trialdesk.log"),
                    "maxBytes": 5_000_000,
                    "backupCount": 5,
                    "filters": ["request_id"],
                    "formatter": "plain",
                    "level": "WARNING",
                    "delay": True,
                }
            }
            if _log_to_file
            else {}
        ),
    },
    "loggers": {
        "django.request": {"handlers": ["stderr", *(["file"] if _log_to_file else [])], "level": "WARNING"},
        "trialdesk": {"handlers": ["stderr", *(["file"] if _log_to_file else [])], "level": "WARNING"},
    },
}
if _log_to_file:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
