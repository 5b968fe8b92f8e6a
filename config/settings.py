"""Settings for every environment, read from the environment (12-factor).

With no environment at all this is the laptop default: DEBUG on, SQLite in var/, no Redis
(local-memory cache, Celery tasks run in-process after commit) and mail written to var/mail/.
Production is DEBUG off: SECRET_KEY must then be set and the secure defaults below apply.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="laptop-only-insecure-key-never-used-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_countries",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "accounts",
    "community.demo",
    "community.forum",
    "community.notifications",
    "community.moderation",
    "community.resources",
]

MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",
    "config.middleware.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.AdminNumbersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

# --- Database -------------------------------------------------------------------------------
if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(exist_ok=True)  # the laptop default keeps its SQLite file and mail here
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Short OLTP queries: JIT compilation costs more than it saves and its cost estimates misfire.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, throttles, rate limits and the Celery broker --------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cd"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Pool processes of a worker. Its tasks spend half their time waiting on SMTP answers, commits
# and websites, so two per core keep the cores busy (each takes about 100 MB).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2 * (os.cpu_count() or 1))
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"email.*": {"queue": "email"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # Lets several deployments (or test runs) share one Redis without sharing queues.
    "global_keyprefix": env.str("CELERY_KEY_PREFIX", default=""),
}
CELERY_TIMEZONE = "UTC"

# Sessions (browser cookies and app session tokens) are read from the cache, written through
# to the database: one query fewer on every signed-in request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Email ----------------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Neck to Neck <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Where the adapter hands account mail (verification, password reset): a dotted path to a
# function taking to_email, subject, body_text, body_html, recipient and template as keywords.
# The outbox records it with the request's other writes and sends it after commit, retrying
# while the mail server is away. Unset (or empty), account mail goes straight to EMAIL_BACKEND
# in the request, as allauth sends it.
ACCOUNT_MAIL_HANDLER = "community.notifications.outbox.write.essential_enqueue"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Neck to Neck] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth keeps these in the cache, so every web process shares the counters.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_SERVE_SPECIFICATION = True
# Where the links in account mail lead. By default this service's own pages finish the two
# flows a link starts (accounts/urls.py: confirming an address, choosing a new password). A web
# client that serves these paths itself takes them over with ACCOUNT_FRONTEND_URL set to its
# address; allauth puts the key in percent-encoded, so the client decodes it once.
ACCOUNT_FRONTEND_URL = env.str("ACCOUNT_FRONTEND_URL", default=SITE_URL).rstrip("/")
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{ACCOUNT_FRONTEND_URL}/account/verify-email/{{key}}",
    "account_reset_password": f"{ACCOUNT_FRONTEND_URL}/account/password/reset",
    "account_reset_password_from_key": f"{ACCOUNT_FRONTEND_URL}/account/password/reset/key/{{key}}",
    "account_signup": f"{ACCOUNT_FRONTEND_URL}/account/signup",
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.authentication.SessionTokenAuthentication",
        "config.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
        "accounts.api.permissions.NotSuspended",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttles.AnonThrottle",
        "config.api.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
    },
    "EXCEPTION_HANDLER": "config.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Neck to Neck community API",
    "DESCRIPTION": (
        "The REST API of a support community for people living with cervical dystonia. "
        "Accounts (signup, login, password reset, session tokens) are served by the "
        "authentication API under /api/auth/, documented at /api/auth/openapi.html."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VisibilityEnum": "accounts.models.Visibility",
        "SubscriptionLevelEnum": "community.forum.models.SubscriptionLevel",
        "PostStateEnum": "community.forum.models.PostState",
        "DeliveryEnum": "community.notifications.kinds.Delivery",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.add_contract",
    ],
}

# Request bodies larger than this are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
# The longest path and query string the API reads (414 ``uri_too_long`` past it). gunicorn
# takes request lines up to 8190 bytes (config/gunicorn.py), so the API answers in its own
# shape up to there.
API_MAX_URL_LENGTH = env.int("API_MAX_URL_LENGTH", default=4096)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (the admin's), served by whitenoise ---------------------------------------
STATIC_URL = "static/"
# Filled by `collectstatic` in production; the laptop default serves from the apps directly.
STATIC_ROOT = None if DEBUG else env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production) ------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging: one line per request, never bodies or credentials -----------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The request log below replaces Django's own per-request lines.
        "django.server": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # The link checker's requests: one line each would flood the log every hour.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# --- Community --------------------------------------------------------------------------------
COMMUNITY_NAME = env.str("COMMUNITY_NAME", default="Neck to Neck")
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# Login email uniqueness is enforced case-insensitively by the constraint
# accounts_user_email_ci_unique, which Django's plain `unique=True` check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# Activity older than this never counts as unread (lists stay fast for members who return
# after months away; like Discourse's window for "new" topics).
FORUM_UNREAD_WINDOW_DAYS = env.int("FORUM_UNREAD_WINDOW_DAYS", default=14)
# How long a member's per-board unread counts are reused; their own reading resets it at once.
FORUM_UNREAD_CACHE_SECONDS = env.int("FORUM_UNREAD_CACHE_SECONDS", default=30)

# Where members' clients show things; emails link here.
FRONTEND_URLS = {
    "thread": f"{SITE_URL}/threads/{{thread_id}}",
    "post": f"{SITE_URL}/threads/{{thread_id}}#post-{{position}}",
    "notification_settings": f"{SITE_URL}/settings/notifications",
    "resource": f"{SITE_URL}/resources/{{resource_id}}",
}

# --- Email outbox (community/notifications) -------------------------------------------------
# Notifications about one thread within this many seconds make one email. With tasks running
# in-process (no Redis) nothing would come back for a later send, so they go at once.
EMAIL_COALESCE_SECONDS = env.int("EMAIL_COALESCE_SECONDS", default=300 if REDIS_URL else 0)
# Non-urgent emails one member may get in 24 hours; urgent and account mail always go.
EMAIL_DAILY_CAP = env.int("EMAIL_DAILY_CAP", default=100)
# Sending tries before a delivery is dead. A transient refusal (SMTP 4xx) waits up to the base
# for each of its first three retries, so mail refused during a short spell goes within a
# minute of its end; then twice as long each time (at most the max). Jitter spreads them.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=10)
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=30.0)
EMAIL_RETRY_MAX_SECONDS = env.float("EMAIL_RETRY_MAX_SECONDS", default=3600.0)
# Deliveries claimed and sent over one SMTP connection at a time.
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=100)
# SMTP connections open at once to the mail provider, across every worker and process (most
# providers limit them). Senders beyond it wait for a connection to be free.
EMAIL_MAX_CONNECTIONS = env.int("EMAIL_MAX_CONNECTIONS", default=4)
# How long a worker owns the deliveries it claimed (a lease, seconds). It renews the lease while
# it sends (every third of it), so a slow batch keeps its rows; a worker that died loses them
# this long after its last renewal, and any worker takes them. Longer than EMAIL_TIMEOUT.
EMAIL_LEASE_SECONDS = env.float("EMAIL_LEASE_SECONDS", default=30.0)
# How often beat sweeps the outbox; rows due for longer than the grace are re-enqueued (their
# task was lost with a broker that restarted empty).
EMAIL_SWEEP_SECONDS = env.float("EMAIL_SWEEP_SECONDS", default=15.0)
EMAIL_SWEEP_GRACE_SECONDS = env.float("EMAIL_SWEEP_GRACE_SECONDS", default=15.0)
# /readyz reports the outbox degraded once a due email has waited longer than this (seconds).
EMAIL_OUTBOX_DEGRADED_SECONDS = env.int("EMAIL_OUTBOX_DEGRADED_SECONDS", default=600)
# Digests go at this hour of each member's local time; weekly ones on this weekday (0 = Monday).
EMAIL_DIGEST_HOUR = env.int("EMAIL_DIGEST_HOUR", default=8)
EMAIL_DIGEST_WEEKDAY = env.int("EMAIL_DIGEST_WEEKDAY", default=0)
# One-click unsubscribe links stop working after this many days.
EMAIL_UNSUBSCRIBE_MAX_AGE_DAYS = env.int("EMAIL_UNSUBSCRIBE_MAX_AGE_DAYS", default=90)
EMAIL_UNSUBSCRIBE_MAILTO = env.str(
    "EMAIL_UNSUBSCRIBE_MAILTO", default=f"unsubscribe@{urlsplit(SITE_URL).hostname or 'localhost'}"
)

# --- Moderation (community/moderation; DESIGN.md section 4) ----------------------------------
# A new member's first posts are held on boards that hold new members (the default policy).
MODERATION_NEW_MEMBER_HELD_POSTS = env.int("MODERATION_NEW_MEMBER_HELD_POSTS", default=2)
# A member becomes established after this many approved posts and days since joining.
MODERATION_TRUST_APPROVED_POSTS = env.int("MODERATION_TRUST_APPROVED_POSTS", default=2)
MODERATION_TRUST_DAYS = env.int("MODERATION_TRUST_DAYS", default=3)
# New members: links per post, threads and replies in their first 24 hours.
MODERATION_NEW_MEMBER_LINKS = env.int("MODERATION_NEW_MEMBER_LINKS", default=2)
MODERATION_NEW_MEMBER_THREADS_PER_DAY = env.int("MODERATION_NEW_MEMBER_THREADS_PER_DAY", default=3)
MODERATION_NEW_MEMBER_REPLIES_PER_DAY = env.int("MODERATION_NEW_MEMBER_REPLIES_PER_DAY", default=10)
# Seconds between two posts by one member (crisis posts are never held back).
MODERATION_FLOOD_SECONDS = env.int("MODERATION_FLOOD_SECONDS", default=10)
# Distinct established members whose flags hide a post (one moderator's flag always does).
MODERATION_FLAG_HIDE_THRESHOLD = env.int("MODERATION_FLAG_HIDE_THRESHOLD", default=3)
# Who sees an urgent (crisis) post while it waits for a moderator: "members" (signed-in
# members; out of public view and search), "everyone", or "moderators" (and its author).
MODERATION_CRISIS_VISIBILITY = env.str("MODERATION_CRISIS_VISIBILITY", default="members")
# Shown to the author of a crisis post, with the post, whatever else happens to it.
MODERATION_CRISIS_RESOURCES = [
    {
        "region": "UK",
        "name": "Samaritans",
        "contact": "Call 116 123 (free, 24 hours)",
        "url": "https://www.samaritans.org/",
    },
    {
        "region": "US",
        "name": "988 Suicide & Crisis Lifeline",
        "contact": "Call or text 988",
        "url": "https://988lifeline.org/",
    },
    {
        "region": "International",
        "name": "Find a Helpline",
        "contact": "Free, confidential helplines in over 130 countries",
        "url": "https://findahelpline.com/",
    },
    {
        "region": "Anywhere",
        "name": "Emergency services",
        "contact": "If you are in immediate danger, call your local emergency number.",
        "url": "",
    },
]

# --- Resource library (community/resources) ----------------------------------------------------
# A member may have this many suggestions waiting for a curator at once (curators: no limit).
RESOURCES_MAX_WAITING_SUGGESTIONS = env.int("RESOURCES_MAX_WAITING_SUGGESTIONS", default=5)
# A published resource is due for review this many months after its last review.
RESOURCES_REVIEW_INTERVAL_MONTHS = env.int("RESOURCES_REVIEW_INTERVAL_MONTHS", default=12)
# The link checker: each published link is checked again after this many hours; one run
# checks at most this many links, this many at a time, each request with this timeout.
RESOURCES_LINK_CHECK_EVERY_HOURS = env.int("RESOURCES_LINK_CHECK_EVERY_HOURS", default=24)
RESOURCES_LINK_CHECK_BATCH = env.int("RESOURCES_LINK_CHECK_BATCH", default=1000)
RESOURCES_LINK_CHECK_CONCURRENCY = env.int("RESOURCES_LINK_CHECK_CONCURRENCY", default=8)
RESOURCES_LINK_CHECK_TIMEOUT_SECONDS = env.float(
    "RESOURCES_LINK_CHECK_TIMEOUT_SECONDS", default=10.0
)
RESOURCES_LINK_CHECK_MAX_REDIRECTS = env.int("RESOURCES_LINK_CHECK_MAX_REDIRECTS", default=5)
# Consecutive failed checks that mark a link broken (and tell the curators).
RESOURCES_LINK_BROKEN_AFTER = env.int("RESOURCES_LINK_BROKEN_AFTER", default=3)
RESOURCES_LINK_CHECK_USER_AGENT = env.str(
    "RESOURCES_LINK_CHECK_USER_AGENT",
    default=f"{COMMUNITY_NAME} resource link checker (+{SITE_URL})",
)
# The checker never connects to private, loopback, link-local or reserved addresses, except
# these "address:port" pairs, named explicitly (the test suite's own local server).
RESOURCES_LINK_CHECK_ALLOW = env.list("RESOURCES_LINK_CHECK_ALLOW", default=[])

# Periodic tasks, run by `celery -A config beat`.
CELERY_BEAT_SCHEDULE = {
    "forum-purge-idempotency-records": {
        "task": "forum.purge_idempotency_records",
        "schedule": 3600.0,
    },
    "notifications-sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": EMAIL_SWEEP_SECONDS,
    },
    "notifications-build-digests": {
        "task": "notifications.build_digests",
        "schedule": crontab(minute=0),
    },
    "resources-check-links": {
        "task": "resources.check_links",
        "schedule": crontab(minute=15),
    },
    "resources-review-reminders": {
        "task": "resources.review_reminders",
        "schedule": crontab(minute=30, hour=7, day_of_week="mon"),
    },
}

# --- Benchmarks: queries per request in an X-Query-Count header, only when asked for ----------
if env.bool("QUERY_COUNT_HEADER", default=False):
    MIDDLEWARE = ["config.middleware.QueryCountMiddleware", *MIDDLEWARE]
