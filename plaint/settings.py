"""Plaint settings: every knob is an environment variable, with the default for one machine."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from plaint.storage import StorageConfigError, files_backend, storages_setting

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean value of an environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Where Plaint keeps its SQLite database and evidence files by default.
VAR_DIR = Path(os.environ.get("PLAINT_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("PLAINT_DEBUG", False)
# The key signs sessions and the case reply addresses (plaint/cases/addresses.py): whoever knows it can add
# evidence to any case by mail. The development key is used only with PLAINT_DEBUG on (make demo); otherwise
# Plaint refuses to start without a key of its own. The test suite gets a test-only key from pyproject.toml.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = os.environ.get("PLAINT_SECRET_KEY", "") or (DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "PLAINT_SECRET_KEY is not set, or is the development key: set it to a long random value of this "
        "deployment's own, e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
        "(the development key is used only with PLAINT_DEBUG=1)."
    )
# The dossier's signing key (plaint/dossier/signing.py): the base64 of a 32-byte Ed25519 private key. Whoever
# knows it can make a dossier that verifies as Plaint's. As with the secret key, the development key is used
# only with PLAINT_DEBUG on; otherwise Plaint refuses to start without a key of its own.
DEV_DOSSIER_SIGNING_KEY = "ZGV2LW9ubHktZG9zc2llci1rZXktbm90LXNlY3JldCE="
PLAINT_DOSSIER_SIGNING_KEY = os.environ.get("PLAINT_DOSSIER_SIGNING_KEY", "") or (
    DEV_DOSSIER_SIGNING_KEY if DEBUG else ""
)
if not DEBUG and PLAINT_DOSSIER_SIGNING_KEY in ("", DEV_DOSSIER_SIGNING_KEY):
    raise ImproperlyConfigured(
        "PLAINT_DOSSIER_SIGNING_KEY is not set, or is the development key: set it to a key of this deployment's "
        "own, e.g. the output of: python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' "
        "(the development key is used only with PLAINT_DEBUG=1)."
    )
ALLOWED_HOSTS = os.environ.get("PLAINT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
# Shows the demo accounts on the sign-in page; never set in production.
PLAINT_DEMO = env_bool("PLAINT_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "plaint.accounts",
    "plaint.rulebook",
    "plaint.marketplace",
    "plaint.cases",
    "plaint.evidence",
    "plaint.enforcement",
    "plaint.buyers",
    "plaint.notifications",
    "plaint.monitoring",
    "plaint.reporters",
    "plaint.triage",
    "plaint.transparency",
    "plaint.dsa",
    "plaint.inbound",
    "plaint.committee",
    "plaint.dossier",
    "plaint.simulation",
    "plaint.privacy",
    "plaint.api",
    "plaint.web",
    # Failed sign-ins per account and per address; the Content-Security-Policy's checks (settings below).
    # axes under a translated name in the admin (plaint/accounts/axes_app.py); its label stays "axes".
    "plaint.accounts.axes_app.AxesConfig",
    "csp",
]

MIDDLEWARE = [
    # Outermost, so that every error answer under /api/ gets the API's error body (plaint/api/middleware.py).
    "plaint.api.middleware.ApiErrorBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves static files (API docs, page assets) from any server, gunicorn included.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and authentication: a request over the API's rate limit costs nothing more.
    "plaint.api.throttle.ApiRateLimitMiddleware",
    "plaint.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user's own language wins over the cookie and the browser's (LocaleMiddleware).
    "plaint.web.middleware.UserLanguageMiddleware",
    # Refuses a too large request (413) before its body is read, in the language chosen above.
    "plaint.web.middleware.RequestSizeMiddleware",
    # After the language is known and the size checked: a page refusing a NUL character speaks the
    # reader's language.
    "plaint.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plaint.urls"
WSGI_APPLICATION = "plaint.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # First, so that plaint/web/templates/admin/ overrides Django's admin templates (admin/base_site.html):
        # django.contrib.admin comes before plaint.web in INSTALLED_APPS.
        "DIRS": [BASE_DIR / "plaint" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# SQLite on local disk by default; PostgreSQL with e.g.
# PLAINT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/plaint
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("PLAINT_DATABASE_URL", f"sqlite:///{VAR_DIR / 'plaint.sqlite3'}"),
        conn_max_age=int(os.environ.get("PLAINT_DB_CONN_MAX_AGE", "60")),
    )
}
# NORMAL: a commit survives a crash of Plaint, not always a power cut (WAL). A scratch database (the
# simulation's) says OFF; FULL waits for the disk on every commit.
SQLITE_SYNCHRONOUS = os.environ.get("PLAINT_SQLITE_SYNCHRONOUS", "NORMAL").upper()
if SQLITE_SYNCHRONOUS not in {"OFF", "NORMAL", "FULL"}:
    raise ImproperlyConfigured("PLAINT_SQLITE_SYNCHRONOUS is OFF, NORMAL or FULL.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at BEGIN so
    # two concurrent transitions queue instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={SQLITE_SYNCHRONOUS};",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not the shared in-memory database, so tests with several threads see real locking.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test{os.environ.get('PLAINT_TEST_DB_SUFFIX', '')}.sqlite3")}
else:
    # Parameters sent apart from the SQL, and a statement run five times on a connection prepared:
    # PostgreSQL then plans each of the dozen statements a report makes once per connection, not once
    # per report. Set PLAINT_DB_PREPARED=0 behind a pooler that can't keep prepared statements
    # (PgBouncer in transaction mode before 1.21).
    if env_bool("PLAINT_DB_PREPARED", True):
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    # PLAINT_TEST_DB_SUFFIX keeps test databases apart when several test runs share one server.
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}{os.environ.get('PLAINT_TEST_DB_SUFFIX', '')}"
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("PLAINT_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "plaint" / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Without collectstatic, WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("PLAINT_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Evidence, its derived images and held uploads (plaint/storage.py): PLAINT_STORAGE=local (the default) keeps
# them under MEDIA_ROOT; PLAINT_STORAGE=s3 in the bucket PLAINT_S3_BUCKET (PLAINT_S3_ENDPOINT_URL for a service
# other than AWS, PLAINT_S3_REGION, PLAINT_S3_ACCESS_KEY_ID and PLAINT_S3_SECRET_ACCESS_KEY or boto3's own
# credentials, PLAINT_S3_PREFIX, PLAINT_S3_ADDRESSING_STYLE). docs/operations.md, "Object storage".
try:
    STORAGES = storages_setting(files_backend(os.environ))
except StorageConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# Evidence uploads (docs/evidence.md): the largest file accepted, in bytes (default 10 MiB).
PLAINT_EVIDENCE_MAX_BYTES = int(os.environ.get("PLAINT_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
# The most files one request may carry (default 10); files past it are refused, the others kept.
PLAINT_EVIDENCE_MAX_FILES = int(os.environ.get("PLAINT_EVIDENCE_MAX_FILES", "10"))
# Screening at intake (docs/screening.md): the photos' forensics flags, the report's cluster and its
# priority's terms. On by default; "0" files reports without them (the category's fixed priority), for
# bench.screening's comparison or to shed load in an emergency.
PLAINT_INTAKE_SCREENING = os.environ.get("PLAINT_INTAKE_SCREENING", "1") != "0"
# The most bytes of evidence one request may add (default 50 MiB); a file that would pass it is refused.
PLAINT_EVIDENCE_MAX_TOTAL_BYTES = int(os.environ.get("PLAINT_EVIDENCE_MAX_TOTAL_BYTES", str(50 * 1024 * 1024)))
# The most pixels (width x height) of a photo, read from its header before anything is decoded (default
# 50 megapixels: the 48 and 50 megapixel modes of current phones pass, decompression bombs do not).
PLAINT_EVIDENCE_MAX_PIXELS = int(os.environ.get("PLAINT_EVIDENCE_MAX_PIXELS", "50000000"))
# The largest request body, in bytes: larger ones are answered 413 before their body is read (default:
# the largest file x the most files, plus 1 MiB for the form fields and the multipart framing).
PLAINT_REQUEST_MAX_BYTES = int(
    os.environ.get("PLAINT_REQUEST_MAX_BYTES", str(PLAINT_EVIDENCE_MAX_BYTES * PLAINT_EVIDENCE_MAX_FILES + 1024 * 1024))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = PLAINT_EVIDENCE_MAX_BYTES * 2
# Uploaded files past this size are streamed to a temporary file on disk as they arrive, never held whole
# in memory; smaller ones stay in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Committee panels: the fewest characters a member's written reasons (for a vote or a recusal) may have.
PLAINT_COMMITTEE_MIN_REASONS = int(os.environ.get("PLAINT_COMMITTEE_MIN_REASONS", "20"))
# How old the supervisors' figures of decisions changed on appeal may get before the worker rebuilds
# them (plaint.cases.quality.refresh_if_due; the page says when they were counted).
PLAINT_QUALITY_REFRESH_SECONDS = int(os.environ.get("PLAINT_QUALITY_REFRESH_SECONDS", "300"))

# The folder of rulebook versions (one TOML file each), validated at start-up.
PLAINT_RULEBOOK_DIR = Path(os.environ.get("PLAINT_RULEBOOK_DIR", BASE_DIR / "rulebook"))
# A business calendar (rulebook/calendars/) whose last listed year ends within this many days is
# named on the status page and by a start-up warning (manage.py check, migrate, runserver).
PLAINT_CALENDAR_WARN_DAYS = int(os.environ.get("PLAINT_CALENDAR_WARN_DAYS", "60"))

# Webhook delivery: seconds before a receiver counts as not answering, and the retry schedule base.
PLAINT_WEBHOOK_TIMEOUT = float(os.environ.get("PLAINT_WEBHOOK_TIMEOUT", "5"))
PLAINT_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("PLAINT_DELIVERY_MAX_ATTEMPTS", "12"))
PLAINT_DELIVERY_BACKOFF_SECONDS = float(os.environ.get("PLAINT_DELIVERY_BACKOFF_SECONDS", "10"))
# Each process reads the list of published rulebook versions again at most this often, in seconds, so a
# version published by another node is seen without a restart (versions are published days ahead).
PLAINT_RULEBOOK_REFRESH_SECONDS = float(os.environ.get("PLAINT_RULEBOOK_REFRESH_SECONDS", "30"))
# The in-process worker (make demo) polls this often, in seconds.
PLAINT_WORKER_INTERVAL = float(os.environ.get("PLAINT_WORKER_INTERVAL", "2"))
# A worker claims up to PLAINT_DELIVERY_BATCH due messages at a time and holds them for
# PLAINT_DELIVERY_LEASE_SECONDS; a worker that dies mid-delivery leaves them to others after that.
PLAINT_DELIVERY_BATCH = int(os.environ.get("PLAINT_DELIVERY_BATCH", "50"))
PLAINT_DELIVERY_LEASE_SECONDS = float(
    os.environ.get("PLAINT_DELIVERY_LEASE_SECONDS", str(max(PLAINT_WEBHOOK_TIMEOUT * 3, 30)))
)

# Statements of reasons to the EU DSA Transparency Database (docs/transparency.md): the full URL of
# its batch endpoint (e.g. https://transparency.dsa.ec.europa.eu/api/v1/statements) and the
# platform's API token. Empty (the default): nothing is queued or sent; `manage.py export_statements`
# still writes them to a file. Retries use PLAINT_DELIVERY_MAX_ATTEMPTS and the backoff above.
PLAINT_DSA_ENDPOINT = os.environ.get("PLAINT_DSA_ENDPOINT", "")
PLAINT_DSA_TOKEN = os.environ.get("PLAINT_DSA_TOKEN", "")

# Background work (plaint/notifications/tasks.py): "inprocess" runs the periodic jobs in a thread of `manage.py serve`
# (or in `manage.py run_worker`); "celery" runs them as Celery tasks (workers and beat, Redis as broker).
PLAINT_TASKS = os.environ.get("PLAINT_TASKS", "inprocess")
PLAINT_CELERY_BROKER_URL = os.environ.get("PLAINT_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
PLAINT_CELERY_QUEUE = os.environ.get("PLAINT_CELERY_QUEUE", "plaint")

# E-mail to the parties leaves through the outbox by SMTP (set PLAINT_EMAIL_BACKEND to
# django.core.mail.backends.console.EmailBackend to print them instead, as make demo does).
PLAINT_EMAIL_BACKEND = os.environ.get("PLAINT_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("PLAINT_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("PLAINT_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PLAINT_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PLAINT_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PLAINT_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("PLAINT_EMAIL_FROM", "Plaint <noreply@plaint.example>")

# The address people's links point to (in e-mails and webhook payloads).
PLAINT_BASE_URL = os.environ.get("PLAINT_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PLAINT_LOG_LEVEL", "WARNING")},
}
# Inbound e-mail (plaint/inbound/): reports to <intake>@<domain>, replies to
# <case prefix>+<case reference>@<domain>; the Reply-To of every case e-mail. Larger messages are refused.
PLAINT_INBOUND_DOMAIN = os.environ.get("PLAINT_INBOUND_DOMAIN", "plaint.example")
PLAINT_INBOUND_INTAKE_LOCAL = os.environ.get("PLAINT_INBOUND_INTAKE_LOCAL", "report")
PLAINT_INBOUND_CASE_PREFIX = os.environ.get("PLAINT_INBOUND_CASE_PREFIX", "case")
PLAINT_INBOUND_MAX_BYTES = int(os.environ.get("PLAINT_INBOUND_MAX_BYTES", str(25 * 1024 * 1024)))
PLAINT_INBOUND_BIND = os.environ.get("PLAINT_INBOUND_BIND", "127.0.0.1:2525")
# A report mailed from an address the marketplace has not verified is held this many hours for the
# account's owner to confirm by a link (default 72); unconfirmed, it is deleted (docs/inbound-mail.md).
PLAINT_INBOUND_HOLD_HOURS = int(os.environ.get("PLAINT_INBOUND_HOLD_HOURS", "72"))

# --- Production hardening (docs/operations.md, "Production") ---

# Behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto (and only then: without such a proxy
# a client could claim HTTPS itself): secure cookies, HSTS, redirect to HTTPS.
PLAINT_SECURE = env_bool("PLAINT_SECURE", False)
if PLAINT_SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("PLAINT_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# How many reverse proxies append to X-Forwarded-For in front of Plaint; the client address the throttles
# count is the one the outermost saw (plaint/network.py). 0: REMOTE_ADDR.
PLAINT_PROXY_COUNT = int(os.environ.get("PLAINT_PROXY_COUNT", "0"))


def cache_from_url(url: str) -> dict:
    """Return Django's cache settings for PLAINT_CACHE_URL: locmem:// (this process's memory) or redis://..."""
    scheme = url.partition("://")[0]
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "plaint"}
    if scheme in ("redis", "rediss", "unix"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "plaint"}
    raise ImproperlyConfigured(f"PLAINT_CACHE_URL={url!r}: use locmem:// or redis://host:port/db")


# The cache the API's rate limits count in. The default needs no server but counts in each process apart;
# several web processes share limits through Redis, e.g. redis://127.0.0.1:6379/1.
PLAINT_CACHE_URL = os.environ.get("PLAINT_CACHE_URL", "locmem://")
CACHES = {"default": cache_from_url(PLAINT_CACHE_URL)}

# API rate limits (plaint/api/throttle.py): requests per PLAINT_API_RATE_WINDOW seconds, per token and per
# client address (requests without a token that has worked); over them, 429 with Retry-After. 0 turns a limit off.
PLAINT_API_RATE_WINDOW = int(os.environ.get("PLAINT_API_RATE_WINDOW", "60"))
PLAINT_API_RATE_PER_TOKEN = int(os.environ.get("PLAINT_API_RATE_PER_TOKEN", "6000"))
PLAINT_API_RATE_PER_ADDRESS = int(os.environ.get("PLAINT_API_RATE_PER_ADDRESS", "1200"))

# Failed sign-ins (django-axes, in the database so every process sees them): after PLAINT_LOGIN_FAILURE_LIMIT
# failures for one username, or from one address, sign-in is refused for PLAINT_LOGIN_COOLOFF_MINUTES (each
# further failure restarts the pause). The attempts are in the admin (Axes); `manage.py axes_reset` lifts all.
PLAINT_LOGIN_FAILURE_LIMIT = int(os.environ.get("PLAINT_LOGIN_FAILURE_LIMIT", "10"))
PLAINT_LOGIN_COOLOFF_MINUTES = int(os.environ.get("PLAINT_LOGIN_COOLOFF_MINUTES", "15"))
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = PLAINT_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=PLAINT_LOGIN_COOLOFF_MINUTES)
# Each alone: one account guessed from many addresses, and many accounts tried from one address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "plaint.network.client_address"
AXES_LOCKOUT_CALLABLE = "plaint.web.views.locked_out"

# Content-Security-Policy (django-csp) on every page: scripts, styles and everything else from Plaint itself
# only; no inline script or style anywhere (htmx's own indicator style is off, plaint.css has it). Evidence
# previews are blob: images, Swagger UI's icons (/api/docs) data: ones. The JSON API gets `default-src 'none'`
# (plaint/web/middleware.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
