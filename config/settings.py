"""Settings, read from the environment. `.env.example` lists every variable.

The defaults are the embedded mode: a SQLite file, the in-memory channel layer and
the built-in assistant, so `make run` needs no other service.
"""

import contextlib
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="") or _DEV_SECRET  # empty counts as unset
if SECRET_KEY == _DEV_SECRET and not env.bool("ALLOW_INSECURE_SECRET_KEY", default=True):
    raise ImproperlyConfigured("SECRET_KEY must be set when ALLOW_INSECURE_SECRET_KEY is false")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "support.agents",
    "support.conversations",
    "support.orders",
    "support.knowledge",
    "support.assistant",
    "support.api",
    "support.realtime",
    "support.console",
    "support.demo",
    "support.widget",
    "support.notifications",
]
# bench/run.py sets BENCH_BASELINE=1 to add its one-insert baseline endpoint (bench/README.md).
BENCH_BASELINE = env.bool("BENCH_BASELINE", default=False)
if BENCH_BASELINE:
    INSTALLED_APPS.append("bench.baseline")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into its answer (django-axes).
    "axes.middleware.AxesMiddleware",
]

# Failed logins (console, admin, POST /api/v1/auth/token/) lock the username on that
# address, and the address itself, after LOGIN_FAILURE_LIMIT failures, for
# LOGIN_LOCKOUT_MINUTES (django-axes; `manage.py axes_reset` lifts every lockout).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "support.common.client.client_address"
AXES_LOCKOUT_CALLABLE = "support.common.logins.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# Database: DATABASE_URL (postgres://...) in production and CI, a SQLite file otherwise.
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
# Created here, so that the first command run (migrate, celery beat's schedule) finds it.
with contextlib.suppress(OSError):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'support.sqlite3'}"),
}
_db = DATABASES["default"]
if "sqlite" in _db["ENGINE"]:
    # IMMEDIATE transactions take the write lock at BEGIN, so the lock-then-check
    # sequence of the lifecycle module is serialised on SQLite too (it has no row locks).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (live-server tests share it across threads), one per process so that two test
    # runs on one machine never share it; the test runner deletes it afterwards.
    _db["TEST"] = {"NAME": str(DATA_DIR / f"test-support-{os.getpid()}.sqlite3")}
else:
    # Under ASGI, Django opens a connection per request thread: use the psycopg pool there
    # (DATABASE_POOL=true, CONN_MAX_AGE=0). WSGI workers keep one persistent connection each.
    if env.bool("DATABASE_POOL", default=False):
        _db["OPTIONS"] = {
            "pool": {
                "min_size": env.int("DATABASE_POOL_MIN", default=2),
                "max_size": env.int("DATABASE_POOL_MAX", default=10),
            }
        }
        _db["CONN_MAX_AGE"] = 0
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:queue"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "support.console.views.csrf_failure"

# Realtime: the Redis pub/sub channel layer when REDIS_URL is set, in-memory otherwise. A group
# is a Redis channel, so the web process publishes an event with one PUBLISH per group
# (support/common/bus.py).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL}],
                "prefix": env.str("CHANNEL_PREFIX", default="ks"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Rate limits are per client address and shared across workers only with a shared cache.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if "redis" in CACHES["default"]["BACKEND"].lower():
    # A cache that stops answering must not hold requests: rate limits and the escalation
    # rules' copy give up on it after a second (both then do without it).
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1)

_RENDERERS = ["rest_framework.renderers.JSONRenderer"]
if DEBUG:
    _RENDERERS.append("rest_framework.renderers.BrowsableAPIRenderer")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "support.api.authentication.AgentTokenAuthentication",
        "support.api.authentication.ConversationTokenAuthentication",
        "support.api.authentication.ServiceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_PARSER_CLASSES": ["support.api.parsers.JsonParser"],
    "DEFAULT_RENDERER_CLASSES": _RENDERERS,
    "EXCEPTION_HANDLER": "support.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # Reverse proxies in front of the service: the client's address is the one the nearest
    # appended to X-Forwarded-For. 0 (no proxy): the header is ignored, as anyone can send it.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "conversation_create": env.str("THROTTLE_CONVERSATION_CREATE", default="30/min"),
        "token_obtain": env.str("THROTTLE_TOKEN_OBTAIN", default="10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kerala Sellers Support API",
    "DESCRIPTION": (
        "Conversations between customers, the AI assistant and human agents. "
        "Once a conversation is escalated the assistant is silent for good."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: a conversation's and an order's status are different enums.
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "support.conversations.states.Status",
        "OrderStatusEnum": "support.orders.models.OrderStatus",
        "LanguageEnum": "support.conversations.states.Language",
    },
}

# The assistant: "builtin" (templated answers, no network) or "openai" (any OpenAI-compatible
# chat-completions endpoint: docs/assistant.md, "LLM providers").
AI_PROVIDER = env.str("AI_PROVIDER", default="builtin")
# Assistant answers in a row that could not help before a human takes over.
ASSISTANT_FALLBACK_LIMIT = env.int("ASSISTANT_FALLBACK_LIMIT", default=2)
# How long each process keeps the knowledge base's active articles before reading them again.
KNOWLEDGE_CACHE_SECONDS = env.float("KNOWLEDGE_CACHE_SECONDS", default=30.0)
# The openai provider. AI_BASE_URL and AI_MODEL are required with AI_PROVIDER=openai (checked
# when the provider is first used); AI_API_KEY may stay empty for local servers.
AI_BASE_URL = env.str("AI_BASE_URL", default="")
AI_MODEL = env.str("AI_MODEL", default="")
AI_API_KEY = env.str("AI_API_KEY", default="")
# Seconds one request to the endpoint may take; the turn retries once, then escalates.
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=15.0)

# Conversations.
MESSAGE_MAX_LENGTH = 4000
IDEMPOTENCY_PENDING_SECONDS = env.int("IDEMPOTENCY_PENDING_SECONDS", default=60)

# Agents and automatic assignment (docs/architecture.md, "Availability and routing").
AUTO_ASSIGN = env.bool("AUTO_ASSIGN", default=True)
AGENT_DEFAULT_CAPACITY = env.int("AGENT_DEFAULT_CAPACITY", default=5)
# An agent whose last socket closed this long ago is set offline by the sweep.
AGENT_OFFLINE_GRACE_SECONDS = env.int("AGENT_OFFLINE_GRACE_SECONDS", default=120)
# Open sockets refresh their presence this often; a socket silent for three periods is gone.
AGENT_SOCKET_HEARTBEAT_SECONDS = env.int("AGENT_SOCKET_HEARTBEAT_SECONDS", default=60)
# A conversation waiting this long for an agent who speaks its language goes to any agent.
ROUTING_LANGUAGE_FALLBACK_SECONDS = env.int("ROUTING_LANGUAGE_FALLBACK_SECONDS", default=120)
# Seconds between sweeps that set agents offline and route conversations whose wait ran out.
AGENT_SWEEP_SECONDS = env.float("AGENT_SWEEP_SECONDS", default=15.0)

# Customers' identity (docs/widget.md, "Customers signed in at the shop"): the shop computes
# user_hash = hex HMAC-SHA256(CUSTOMER_IDENTITY_SECRET, user_id) and passes it with the user id.
# Only customers whose hash verifies are "verified by the shop", and the assistant reads orders
# only for them. Empty: every customer is a guest and the assistant shows no orders; except in
# the embedded mode (SECRET_KEY unset, `make run`), where a fixed, public demo value is used so
# that the demo shows the order flow.
_DEMO_IDENTITY_SECRET = "kerala-demo-customer-identity"  # noqa: S105 (public, like _DEV_SECRET)
CUSTOMER_IDENTITY_SECRET = env.str("CUSTOMER_IDENTITY_SECRET", default="") or (
    _DEMO_IDENTITY_SECRET if SECRET_KEY == _DEV_SECRET else ""
)

# The customer chat page (/chat/): shop origins allowed to embed it in an iframe
# (comma-separated, e.g. https://shop.example.com). Empty: this origin only.
WIDGET_FRAME_ANCESTORS = env.list("WIDGET_FRAME_ANCESTORS", default=[])

# Business hours: when agents answer (support/conversations/hours.py has the syntax; checked
# at start-up). Outside them, escalated customers are told when agents are back.
BUSINESS_TIMEZONE = env.str("BUSINESS_TIMEZONE", default="Asia/Kolkata")
BUSINESS_HOURS = env.str("BUSINESS_HOURS", default="mon-sat 09:00-21:00")
BUSINESS_CLOSED_DATES = env.str("BUSINESS_CLOSED_DATES", default="")

# --- Notifications and background work (docs/webhooks.md, docs/operations.md) ---------------
# Where background jobs run: "inprocess" (threads in the ASGI server; the embedded default) or
# "celery" (`celery -A config worker` and `celery -A config beat` on CELERY_BROKER_URL).
BACKGROUND_WORKER = env.str("BACKGROUND_WORKER", default="inprocess")
if BACKGROUND_WORKER not in ("inprocess", "celery"):
    raise ImproperlyConfigured("BACKGROUND_WORKER must be inprocess or celery")
BACKGROUND_THREADS = env.int("BACKGROUND_THREADS", default=4)  # in-process worker threads
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
if BACKGROUND_WORKER == "celery" and CELERY_BROKER_URL == "memory://":
    raise ImproperlyConfigured("BACKGROUND_WORKER=celery needs REDIS_URL or CELERY_BROKER_URL")
CELERY_TASK_IGNORE_RESULT = True
# A worker that dies mid-task leaves the task to another (jobs are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that stops answering must not hold the request that enqueues a job after its
# commit: publishing gives up after a few seconds (the sweeps pick the work up later).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Seconds between sweeps that send due notifications (first attempts whose job was lost,
# retries whose time has come).
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=5.0)
# Periodic jobs, {job name: seconds}: the one place to add a sweep (SLA, availability...).
# Celery beat runs them in production, the in-process worker's sweeper in the embedded mode.
# Service levels (support/notifications/sla.py); 0 switches one off. Waiting counts from the
# escalation (or the last unassignment), the first reply from the assignment.
SLA_WAITING_SECONDS = env.int("SLA_WAITING_SECONDS", default=300)
SLA_FIRST_REPLY_SECONDS = env.int("SLA_FIRST_REPLY_SECONDS", default=600)
# Give a conversation whose agent did not reply in time back to the queue (another agent).
SLA_REASSIGN_NO_REPLY = env.bool("SLA_REASSIGN_NO_REPLY", default=False)
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=30.0)
PERIODIC_TASKS: dict[str, float] = {
    "notifications.sweep_outbox": OUTBOX_SWEEP_SECONDS,
    "agents.sweep": AGENT_SWEEP_SECONDS,
    "sla.sweep": SLA_SWEEP_SECONDS,
}
CELERY_BEAT_SCHEDULE = {
    name: {"task": name, "schedule": seconds} for name, seconds in PERIODIC_TASKS.items()
}
# Webhooks: endpoints are configured in the admin. Each attempt may take this long.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Attempts before a delivery is given up (shown in the admin, emailed to supervisors).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=12)
# Wait after the n-th failed attempt: BASE * 2^(n-1) plus up to 20%, at most MAX seconds.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=10.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
# Email escalations and given-up webhooks to supervisors (their Django users' addresses).
NOTIFY_EMAIL_SUPERVISORS = env.bool("NOTIFY_EMAIL_SUPERVISORS", default=False)
# Django's email settings from one URL, e.g. smtp+tls://user:password@smtp.example.com:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@localhost")
# Where people reach this service, e.g. https://support.example.com (links in emails).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes notes every login at INFO; lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
