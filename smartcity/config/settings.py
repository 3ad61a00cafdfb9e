"""Settings for the Smart City platform, read from the environment (twelve-factor).

Development needs no configuration at all: SQLite in ``var/``, a generated secret key,
local-memory cache, the database task queue. ``SMARTCITY_ENV=production`` turns on the
deployment hardening and requires ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
See docs/operations.md for every variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from smartcity.config.secrets import development_secret_key

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()

ENVIRONMENT = env.str("SMARTCITY_ENV", default="development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"SMARTCITY_ENV must be development, production or test, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

VAR_DIR = Path(env.str("SMARTCITY_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)

if PRODUCTION:
    _missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if _missing:
        raise ImproperlyConfigured(
            "SMARTCITY_ENV=production needs these environment variables: " + ", ".join(_missing)
        )
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or development_secret_key(VAR_DIR)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
    DEBUG = env.bool("DEBUG", default=ENVIRONMENT == "development")

SILENCED_SYSTEM_CHECKS: list[str] = []

SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "smartcity.core.accounts",
    "smartcity.core",
    "smartcity.core.audit",
    "smartcity.core.geography",
    "smartcity.core.notifications",
    "smartcity.core.uploads",
    "smartcity.sensors",
    "smartcity.concerns",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smartcity.core.accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "smartcity.core.audit.middleware.AuditActorMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]
RATELIMIT_VIEW = "smartcity.core.errors.rate_limited"

ROOT_URLCONF = "smartcity.config.urls"
WSGI_APPLICATION = "smartcity.config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "smartcity.core.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smartcity.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # "database is locked" on lock upgrades between the two processes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "smartcity",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Rate limits then count per process; the Redis cache makes them count across replicas.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

TASKS_BACKEND = env.str("TASKS_BACKEND", default="rq" if REDIS_URL else "database")
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}"
    )
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_tasks_rq", "django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): e-mail login, mandatory confirmation, built-in rate limits.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Smart City Dresden] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_REDIRECT_URL = "core:home"
LOGIN_URL = "account_login"

EMAIL_CONFIG = env.email_url(
    "EMAIL_URL",
    default="smtp://localhost:25" if PRODUCTION else "consolemail://",
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="smartcity@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL)

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# The platform's catalogue first (makemessages writes there), then formal-German overrides
# of django-allauth's informal texts; both win over the apps' own catalogues.
LOCALE_PATHS = [BASE_DIR / "smartcity" / "locale", BASE_DIR / "smartcity" / "locale_overrides"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# SensorThings paging (default and largest page) and the size up to which $count is exact
# (0: always exact); see docs/sensors-read.md.
STA_DEFAULT_TOP = env.int("STA_DEFAULT_TOP", default=100)
STA_MAX_TOP = env.int("STA_MAX_TOP", default=10_000)
STA_COUNT_EXACT_LIMIT = env.int("STA_COUNT_EXACT_LIMIT", default=10_000)

# Sensor backbone: the MQTT broker (SensorThings MQTT extension); empty disables MQTT.
MQTT_URL = env.str("MQTT_URL", default="")
# Put before every MQTT topic (`dresden/` -> `dresden/v1.1/...`) so platforms can share a broker.
MQTT_TOPIC_PREFIX = env.str("MQTT_TOPIC_PREFIX", default="")

# Citizen concerns (Bürgeranliegen), see docs/concerns.md: duplicate suggestions, the
# reporter's reopening window, the "fixed?" question, automatic publication (0: only after
# review) and erasure of contact data after closing.
CONCERNS_DUPLICATE_RADIUS_M = env.int("CONCERNS_DUPLICATE_RADIUS_M", default=50)
CONCERNS_DUPLICATE_MAX_AGE_DAYS = env.int("CONCERNS_DUPLICATE_MAX_AGE_DAYS", default=30)
CONCERNS_REOPEN_DAYS = env.int("CONCERNS_REOPEN_DAYS", default=28)
CONCERNS_FIXED_QUESTION_DAYS = env.int("CONCERNS_FIXED_QUESTION_DAYS", default=14)
CONCERNS_PUBLISH_DELAY_HOURS = env.int("CONCERNS_PUBLISH_DELAY_HOURS", default=24)
CONCERNS_ANONYMISE_AFTER_DAYS = env.int("CONCERNS_ANONYMISE_AFTER_DAYS", default=90)
# Open311: new requests allowed per partner app's key and per client address (N/s|m|h|d).
OPEN311_POST_RATE_PER_KEY = env.str("OPEN311_POST_RATE_PER_KEY", default="300/h")
OPEN311_POST_RATE_PER_ADDRESS = env.str("OPEN311_POST_RATE_PER_ADDRESS", default="60/h")

# Map: the tile server is the city's choice; empty means the no-tiles fallback.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

# Web Push (RFC 8292 VAPID): keys made by `smartcity vapid-keys`, stored in var/ or given here.
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default=f"mailto:{DEFAULT_FROM_EMAIL}")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
