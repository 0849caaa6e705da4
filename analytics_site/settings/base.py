"""Settings shared by every environment.

Every value that differs between deployments comes from the environment (or a `.env` file beside
`manage.py`), parsed and typed here, in one place. Defaults are the production-safe ones: `dev` and
`test` relax them explicitly.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/trailmark")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
# Every statement of every process is cancelled after this long (0: never): below gunicorn's
# 30 s worker timeout, so a slow report answers 503 instead of a killed worker. Jobs whose
# statements may run longer (day_aggregate) raise it with SET LOCAL.
TRAILMARK_STATEMENT_TIMEOUT_MS = env.int("TRAILMARK_STATEMENT_TIMEOUT_MS", default=25_000)
# Memory for each sort or hash of a statement (PostgreSQL's work_mem): the query engine's
# per-visitor aggregation of a month of sessions spills to disk at the default 4 MB.
TRAILMARK_WORK_MEM = env.str("TRAILMARK_WORK_MEM", default="64MB")
# JIT compiling costs ~100 ms per report-sized statement here and saves less than that
# (bench/query.py): off, as day_aggregate already had it.
DATABASES["default"]["OPTIONS"]["options"] = (
    f"-c statement_timeout={TRAILMARK_STATEMENT_TIMEOUT_MS} -c jit=off"
    f" -c work_mem={TRAILMARK_WORK_MEM}"
)

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Every Redis key (buffer, counters, cache, Celery queues) starts with this, so deployments can
# share a Redis database without taking each other's events.
TRAILMARK_REDIS_PREFIX = env.str("TRAILMARK_REDIS_PREFIX", default="trailmark")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "websites",
    "ingest",
    "reports",
    "aggregation",
    "stats",
    "dashboard",
    "sharing",
    "axes",
]

MIDDLEWARE = [
    "analytics_site.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After AuthenticationMiddleware: turns a locked-out admin login into the lockout page.
    "analytics_site.login_throttle.AdminAxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "analytics_site.middleware.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "analytics_site.urls"
# The dashboard's sign-in page (accounts.sessions.sign_in_required sends signed-out visitors here).
LOGIN_URL = "/login"
WSGI_APPLICATION = "analytics_site.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": TRAILMARK_REDIS_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The pages' own CSS and JavaScript and the vendored chart library (static/vendor/).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Trailmark ---------------------------------------------------------------------------------
# API keys are looked up by an HMAC digest and kept encrypted for admins to read back; both keys
# derive from these secrets: TRAILMARK_KEY_SECRET, comma-separated, newest first (like
# SECRET_KEY_FALLBACKS). Keys made under an older one still work and move to the newest when used.
TRAILMARK_KEY_SECRETS = [
    secret.strip() for secret in env.list("TRAILMARK_KEY_SECRET", default=[]) if secret.strip()
]
# Trusted reverse proxies in front of the app: 0 means the client is REMOTE_ADDR; N means the Nth
# address from the right of X-Forwarded-For (the one the outermost trusted proxy saw).
TRAILMARK_NUM_PROXIES = env.int("TRAILMARK_NUM_PROXIES", default=0)
TRAILMARK_COLLECT_RATE = env.str("TRAILMARK_COLLECT_RATE", default="10/10s")
TRAILMARK_API_RATE = env.str("TRAILMARK_API_RATE", default="60/60s")
# Invalid API keys one client may present per window; past it, 429 before any key look-up.
TRAILMARK_AUTH_FAILURE_RATE = env.str("TRAILMARK_AUTH_FAILURE_RATE", default="20/10m")
# Failed dashboard sign-ins per client and per email (and reset emails asked for): past it the
# sign-in page answers 429 until the window ends (accounts.throttle).
TRAILMARK_LOGIN_RATE = env.str("TRAILMARK_LOGIN_RATE", default="5/5m")
# Wrong passwords one client may give shared links (/share/<token>) per window; past it, 429.
TRAILMARK_SHARE_PASSWORD_RATE = env.str("TRAILMARK_SHARE_PASSWORD_RATE", default="10/10m")
TRAILMARK_HTTPS = env.bool("TRAILMARK_HTTPS", default=False)
# Raw events older than this many days are dropped (whole monthly partitions) once aggregated;
# reports keep reading those days from the rollups.
TRAILMARK_RAW_RETENTION_DAYS = env.int("TRAILMARK_RAW_RETENTION_DAYS", default=400)
# The funnel reads every event of its period's visits (no rollup holds sequences): its period
# is at most this many days.
TRAILMARK_FUNNEL_MAX_DAYS = env.int("TRAILMARK_FUNNEL_MAX_DAYS", default=92)
# The event buffer (a Redis stream): past this many undrained events collect answers 503
# rather than accept what Redis might not keep.
TRAILMARK_BUFFER_MAX_EVENTS = env.int("TRAILMARK_BUFFER_MAX_EVENTS", default=1_000_000)
# Buffered entries that could not be stored are kept (newest first) up to this many.
TRAILMARK_DEAD_LETTER_MAX = env.int("TRAILMARK_DEAD_LETTER_MAX", default=100_000)
# /health turns "degraded" past these: undrained events, the age of the oldest one, and the time
# since the drainer last checkpointed while events wait.
TRAILMARK_HEALTH_MAX_BUFFER_DEPTH = env.int("TRAILMARK_HEALTH_MAX_BUFFER_DEPTH", default=100_000)
TRAILMARK_HEALTH_MAX_BUFFER_AGE_SECONDS = env.int(
    "TRAILMARK_HEALTH_MAX_BUFFER_AGE_SECONDS", default=60
)
TRAILMARK_HEALTH_MAX_DRAIN_LAG_SECONDS = env.int(
    "TRAILMARK_HEALTH_MAX_DRAIN_LAG_SECONDS", default=60
)
# Rows a website's purge deletes per transaction: each one short, so nothing waits on it long.
TRAILMARK_PURGE_BATCH_ROWS = env.int("TRAILMARK_PURGE_BATCH_ROWS", default=10_000)
# How long POST /api/v1/admin/aggregate waits for its tasks before answering 202 (they go on).
TRAILMARK_AGGREGATE_WAIT_SECONDS = env.float("TRAILMARK_AGGREGATE_WAIT_SECONDS", default=20.0)
# Where site owners' pages reach this service: used in tracker snippets and printed examples.
TRAILMARK_PUBLIC_URL = env.str("TRAILMARK_PUBLIC_URL", default="http://localhost:8000").rstrip("/")

if TRAILMARK_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("TRAILMARK_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The TLS-terminating proxy tells us the original scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health$"]

# The dashboard's sign-in lives in Django's session (accounts.sessions): its cookie is out of
# scripts' reach, and not sent with other sites' cross-site posts.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A password reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = 24 * 3600
# Password reset emails: e.g. smtp+tls://user:password@smtp.example.com:587 (dev: the console).
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Trailmark <noreply@localhost>")

SECURE_CONTENT_TYPE_NOSNIFF = True
# Request bodies (API JSON, admin forms) over 64 KB are refused on their Content-Length, unread;
# collect has its own 32 KB limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
X_FRAME_OPTIONS = "DENY"

# --- Django REST framework: every API policy lives here ------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["analytics_site.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # No DRF throttles: they run after authentication's database look-up, so the API's limits
    # are counted by ApiKeyAuthentication before it (see analytics_site.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["analytics_site.api.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["analytics_site.api.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "analytics_site.api.exceptions.envelope_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Trailmark API",
    "DESCRIPTION": "Privacy-first, cookie-less web analytics (TinyTrail API).",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets are served by us, not fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {"RoleEnum": "accounts.models.Role"},
}

# Rate limits count in Redis through Django's cache; when Redis is unreachable requests are let
# through rather than refused (the counters are a guard, not the product).
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True

# --- The Django admin's door ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes counts failed admin logins per client in Redis (the cache handler): keyed on the
# client's keyed hash (analytics_site.net), so no raw address is stored; the database handler
# would keep raw addresses in an `inet` column. Only the admin site's logins count: the API's
# X-API-KEY is not a Django login and has its own limits.
AXES_HANDLER = "analytics_site.login_throttle.FailOpenAxesCacheHandler"
AXES_CACHE = "default"
AXES_CLIENT_IP_CALLABLE = "analytics_site.net.request_client_key"
# Per client, not per username: nobody can lock an operator out by failing their username.
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# Its admin pages list its database tables, which the cache handler leaves empty.
AXES_ENABLE_ADMIN = False
# Messages stay on the server: a new API user's key is shown once in one, and the cookie storage
# would carry it in a signed but readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{TRAILMARK_REDIS_PREFIX}:celery:"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "analytics_site.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (`make run` writes one to .env)."
        )
    SECRET_KEY = "insecure-debug-only-key"
# Outside production (see prod.py) keys may derive from SECRET_KEY, as before the setting existed.
TRAILMARK_KEY_SECRETS = TRAILMARK_KEY_SECRETS or [SECRET_KEY]
