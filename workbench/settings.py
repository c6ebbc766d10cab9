"""One settings module, driven by environment variables.

With no environment at all the app runs in development mode on SQLite with Celery tasks executed
eagerly in-process, so a fresh checkout just runs. Production mode (``DJANGO_DEBUG=false``) refuses
to start without ``DJANGO_SECRET_KEY``.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
DEBUG = env.bool("DJANGO_DEBUG", default=True)
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production mode (DJANGO_DEBUG=false) needs a long random "
            "secret key, e.g. DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First, so that its templates win over those of the apps below: registration/*.html are the
    # app's own account pages (password change and reset), not the admin site's.
    "annotations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a login it refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "workbench.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "workbench.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: it pays off for long analytical queries, not for a web request's. Its
    # estimate of a documents-table filter at 100,000 documents passed jit_above_cost and the
    # query spent ~190 ms compiling for ~60 ms of work (bench/documents_table.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The zero-config database must serve a few people at once (bench/api.py --sqlite). WAL lets
    # readers go on beside the one writer; a writer that finds the database locked waits up to the
    # busy timeout instead of failing; and every transaction takes the write lock when it begins
    # (IMMEDIATE): one that read first and wrote later would fail with "database is locked" at
    # once, whatever the timeout, whenever another writer got in between. synchronous=NORMAL is
    # safe with WAL: a crash of the app loses nothing committed (a power cut may lose the last
    # commits), and a commit no longer waits for fsync.
    SQLITE_BUSY_TIMEOUT_SECONDS = 20
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}",
        }
    )
    # Keep each server thread's connection, as on PostgreSQL: a new one reads the whole schema
    # again (~1 ms, a fifth of a span create), and closing the last one checkpoints the WAL and
    # deletes it (~4 ms, with an fsync), which a connection per request did after most requests.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [p for p in [BASE_DIR / "frontend" / "dist"] if p.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("WORKBENCH_MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Uploaded import files are handed to workers through MEDIA_ROOT, so uploads stay on disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
# Neither setting above caps a file: an upload (all files of one request) past this is refused with
# 413 before it is read (annotations/views/upload_limit.py).
WORKBENCH_MAX_UPLOAD_MB = env.int("WORKBENCH_MAX_UPLOAD_MB", default=100)
if WORKBENCH_MAX_UPLOAD_MB < 1:
    raise ImproperlyConfigured(
        f"WORKBENCH_MAX_UPLOAD_MB={WORKBENCH_MAX_UPLOAD_MB}: give the largest upload to accept, "
        "in megabytes (at least 1; the default is 100)."
    )
WORKBENCH_MAX_UPLOAD_BYTES = WORKBENCH_MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "annotations.views.upload_limit.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- Mail -----------------------------------------------------------------------------------------
# EMAIL_URL: how to send mail, e.g. smtp+tls://user:password@smtp.example.org:587 (STARTTLS),
# smtp+ssl://...:465, or consolemail:// to print mails to the log. Unset (the default), the app
# sends no mail: a manager hands new colleagues their set-password link by hand, and the password
# reset page says that no mail can be sent. DEFAULT_FROM_EMAIL is the sender of those mails.
EMAIL_CONFIGURED = bool(env.str("EMAIL_URL", default="").strip())
if EMAIL_CONFIGURED:
    globals().update(
        {k: v for k, v in env.email_url("EMAIL_URL").items() if v is not None and v != ""}
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
EMAIL_TIMEOUT = 10  # seconds: a mail server that does not answer fails the mail, not the page

# --- HTTPS ----------------------------------------------------------------------------------------
# DJANGO_HTTPS=true when people reach the app over HTTPS: cookies only over HTTPS, plain HTTP
# redirected (except the health check, which the container's probe asks over HTTP), and HSTS. Behind
# a proxy that terminates TLS, DJANGO_SECURE_PROXY_SSL_HEADER names the header by which it says so
# (X-Forwarded-Proto: https); set it only when the proxy sets that header on every request.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
_proxy_ssl_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="").strip()
if _proxy_ssl_header:
    _meta_name = _proxy_ssl_header.upper().replace("-", "_")
    if not re.fullmatch(r"[A-Z0-9_]+", _meta_name):
        raise ImproperlyConfigured(
            f"DJANGO_SECURE_PROXY_SSL_HEADER={_proxy_ssl_header!r} is not a header name: give the "
            "header your proxy sets to 'https', e.g. X-Forwarded-Proto."
        )
    if not _meta_name.startswith("HTTP_"):
        _meta_name = f"HTTP_{_meta_name}"
    SECURE_PROXY_SSL_HEADER = (_meta_name, "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=HTTPS)

# --- Content-Security-Policy (django-csp) ---------------------------------------------------------
# Scripts and styles only from the app's own files: no page has an inline script, event handler or
# style attribute (the frontend sets styles through the CSSOM, which the policy allows). JSON data
# islands (json_script) are not scripts. Swagger UI runs under it too (annotations/views/api_docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Swagger UI's stylesheet draws its icons as data: URLs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Login lockout (django-axes) and API rate limits ----------------------------------------------
# After WORKBENCH_LOGIN_FAILURE_LIMIT failed logins for one username, or from one address, within
# WORKBENCH_LOGIN_LOCKOUT_MINUTES, logins of that username or from that address are refused (429)
# until that long has passed since the last attempt; the login page and the token endpoint count
# together (annotations/views/lockout.py). Attempts are rows in the database, so they survive
# restarts and every process sees them; `manage.py axes_reset_username NAME` lifts a lock.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("WORKBENCH_LOGIN_FAILURE_LIMIT", default=10)
_lockout_minutes = env.int("WORKBENCH_LOGIN_LOCKOUT_MINUTES", default=15)
if AXES_FAILURE_LIMIT < 1 or _lockout_minutes < 1:
    raise ImproperlyConfigured(
        "WORKBENCH_LOGIN_FAILURE_LIMIT and WORKBENCH_LOGIN_LOCKOUT_MINUTES must be at least 1 "
        "(defaults: 10 failed logins, 15 minutes)."
    )
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: by user, and by address
AXES_CLIENT_IP_CALLABLE = "annotations.views.throttles.client_address"
AXES_LOCKOUT_CALLABLE = "annotations.views.lockout.lockout_page"
AXES_DISABLE_ACCESS_LOG = True  # failed attempts are kept; a row per successful login is not
# Behind this many reverse proxies the client's address is read from X-Forwarded-For (the one the
# outermost proxy saw); with 0, REMOTE_ADDR. Throttles and the lockout count by that address.
NUM_PROXIES = env.int("WORKBENCH_NUM_PROXIES", default=0)


def _rate(name: str, default: str) -> str | None:
    """A DRF throttle rate from the environment: requests per period ("60/minute"), or off."""
    value = env.str(name, default=default).strip()
    if value.lower() in ("off", "none", ""):
        return None
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate: write requests per period, e.g. 60/minute (periods: "
            "second, minute, hour, day), or off."
        )
    return value


# Generous: no person comes near them (bench/api.py's 10 clients neither); they stop scripts.
THROTTLE_RATES = {
    "writes": _rate("WORKBENCH_THROTTLE_WRITES", "3000/minute"),  # API writes per user
    "login": _rate("WORKBENCH_THROTTLE_LOGIN", "60/minute"),  # token requests per address
    "login_user": _rate("WORKBENCH_THROTTLE_LOGIN_USER", "20/minute"),  # ... per username
}

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# No broker configured: run tasks in-process so the zero-config app still completes its jobs.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker rides out a broker outage of any length: it reconnects (2, 4, 6 ... up to 30 s apart)
# for as long as it takes, and tasks running meanwhile go on (their jobs' leases keep them from
# running twice). WorkbenchConsumer keeps the worker alive through kombu's failure to close the
# lost connection while tasks run (workbench/celery.py).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_CONSUMER = "workbench.celery:WorkbenchConsumer"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
# How long a worker heartbeat stays valid; workers refresh it every WORKER_HEARTBEAT_INTERVAL.
WORKER_HEARTBEAT_INTERVAL = env.int("WORKER_HEARTBEAT_INTERVAL", default=5)
WORKER_HEARTBEAT_TTL = env.int("WORKER_HEARTBEAT_TTL", default=20)
# A running job shows life at least every quarter of this; one silent for longer, whose worker
# sends no heartbeat either, is restarted once, then failed (annotations/services/job_recovery.py).
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
if not 0 < WORKER_HEARTBEAT_INTERVAL < WORKER_HEARTBEAT_TTL or JOB_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        f"WORKER_HEARTBEAT_INTERVAL={WORKER_HEARTBEAT_INTERVAL}, WORKER_HEARTBEAT_TTL="
        f"{WORKER_HEARTBEAT_TTL}, JOB_LEASE_SECONDS={JOB_LEASE_SECONDS}: a heartbeat must be "
        "written more often than it expires (defaults 5 and 20 s), and the lease be at least 1 s "
        "(default 60)."
    )

# Agreement refreshes after edits wait this long so that a burst of edits costs one refresh.
AGREEMENT_DEBOUNCE_SECONDS = env.int("AGREEMENT_DEBOUNCE_SECONDS", default=5)
# A full agreement run is split into chunks of this many documents (one Celery task each).
AGREEMENT_CHUNK_DOCUMENTS = env.int("AGREEMENT_CHUNK_DOCUMENTS", default=2000)
# Workers sweep this often for projects whose refresh could not be scheduled (Redis was down).
AGREEMENT_SWEEP_SECONDS = env.float("AGREEMENT_SWEEP_SECONDS", default=30.0)
# With no broker (eager tasks) the debounced refresh runs on a thread of the web process after the
# response (annotations/services/eager_refresh.py). The tests turn this off: the refresh then runs
# at once after the commit that scheduled it, so what a test reads next does not race a thread.
AGREEMENT_EAGER_REFRESH_IN_BACKGROUND = True

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON refused (400) past annotations.json_depth.MAX_JSON_DEPTH levels, before decoding.
    "DEFAULT_PARSER_CLASSES": [
        "annotations.views.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # OPTIONS of views without a view-wide serializer answer without "actions" (DRF's: a 500).
    "DEFAULT_METADATA_CLASS": "annotations.views.metadata.WorkbenchMetadata",
    "DEFAULT_PAGINATION_CLASS": "annotations.pagination.WorkbenchPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's, declaring the error answers of every operation too.
    "DEFAULT_SCHEMA_CLASS": "annotations.views.schema.WorkbenchSchema",
    "EXCEPTION_HANDLER": "annotations.views.exception_handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Writes per user (annotations/views/throttles.py); the token endpoint has its own throttles.
    "DEFAULT_THROTTLE_CLASSES": ["annotations.views.throttles.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Factcheck Workbench API",
    "DESCRIPTION": "Span annotation, verification and agreement for fact-checking teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs page works with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the online validator: the page loads nothing from elsewhere (and the CSP agrees).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Choice sets used by several components keep one stable enum name (without an entry, a
    # second field named `state` or `kind` renames them all).
    # Request bodies in the schema: JSON, and multipart for uploads (annotations.views.schema).
    "PARSER_WHITELIST": [
        "annotations.views.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AdjudicationStateStateEnum": "annotations.serializers.adjudication.ADJUDICATION_STATES",
        "KindEnum": "annotations.models.JobKind",
        "ImportFormatEnum": "annotations.services.import_preview.IMPORT_FORMATS",
        "ExportFormatEnum": "annotations.services.exports.EXPORT_FORMATS",
        "DocumentStateEnum": "annotations.selectors.document_table.DocumentState",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
