"""Settings for every environment, read from the environment (one module, one ``env``).

Development defaults are safe and local; ``DJANGO_ENV=production`` refuses to start
with a missing or insecure secret.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.csp import CSP
from core.http import trusted_proxy_networks

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="test" if "pytest" in sys.modules else "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION and not TESTING)

_INSECURE_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
if PRODUCTION and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value in production.")

# Hosts: the main site on BASE_DOMAIN and www., agencies on arNNN., the panel on panel.,
# the virtual branch on ops.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost")
SITE_PORT = env.str("SITE_PORT", default="8000" if not PRODUCTION else "")
# Map tiles drawn under the location pickers (the page works without them).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")
SITE_SCHEME = env.str("SITE_SCHEME", default="https" if PRODUCTION else "http")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])]
if not PRODUCTION:
    ALLOWED_HOSTS += ["testserver", ".testserver", "127.0.0.1"]

SHARED_APPS = [
    "tenants",  # before django_tenants: its fast migrate_schemas replaces the stock one
    "django_tenants",
    "core",
    "accounts",
    "tenants.content",
    "policies",
    "referrals",
    "settlement",
    "onboarding",
    "advice",
    "claims",
    "cancellations",
    "support",
    "reports",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
]
# Each agency's own schema: its site content, its CRM, SMS automation and renewals.
TENANT_APPS = [
    "tenants.content",
    "crm",
    "messaging",
    "renewals",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Agency"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_NAME = "public"
DATABASE_ROUTERS = ("core.db.ReplicaRouter", "django_tenants.routers.TenantSyncRouter")
# How many migrated spare schemas wait to be claimed by a new agency.
TENANT_SPARE_POOL_SIZE = env.int("TENANT_SPARE_POOL_SIZE", default=2 if TESTING else 20)

MIDDLEWARE = [
    "core.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are the same on every host and need neither the host's agency nor the
    # database: served before host routing, so an inactive site's page keeps its styles.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.HostRoutingMiddleware",
    "core.db.PrimaryPinMiddleware",
    "core.degraded.DependencyDownMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PersianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls_main"
URLCONF_BY_SITE = {
    "main": "config.urls_main",
    "agency": "config.urls_agency",
    "panel": "config.urls_panel",
    "ops": "config.urls_ops",
}

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
                "tenants.context_processors.site",
                "core.csp.csp",
            ],
            "builtins": ["core.templatetags.jalali", "core.templatetags.ui"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/bimeh")
}
# django-tenants' backend, safe behind PgBouncer and as a replica (decisions 053, 054).
DATABASES["default"]["ENGINE"] = "core.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DB_NAME", default="test_bimeh")}

# --- Past one machine (decisions 053, 054) -------------------------------------------------
# DATABASE_POOLER=pgbouncer: DATABASE_URL names a PgBouncer in transaction mode. Every
# statement then carries its own agency's search_path (core.postgresql_backend) and no
# server-side cursor is opened (a client owns a server connection for one transaction only).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER is either empty or 'pgbouncer'.")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["TRANSACTION_POOLING"] = True
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# DATABASE_REPLICA_URL: a streaming replica that reports, their Excel files and the audit
# log read from (core.db.replica()); whoever just wrote reads the primary for
# REPLICA_PIN_SECONDS. Its connection follows the primary's agency schema.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
# A replica that cannot be reached within REPLICA_CONNECT_TIMEOUT, or is more than
# REPLICA_MAX_LAG_SECONDS behind, is skipped (reads go to the primary); each process asks it
# every REPLICA_CHECK_SECONDS (decision 065). Lag + check stay within the pin, so whoever
# just wrote never reads a replica that lacks it.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=10)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5)
REPLICA_CONNECT_TIMEOUT = env.int("REPLICA_CONNECT_TIMEOUT", default=2)
if DATABASE_REPLICA_URL:
    if REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS > REPLICA_PIN_SECONDS:
        raise ImproperlyConfigured(
            "REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS must not exceed REPLICA_PIN_SECONDS."
        )
    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"] = {
        **_replica,
        "OPTIONS": {"connect_timeout": REPLICA_CONNECT_TIMEOUT, **_replica.get("OPTIONS", {})},
        "ENGINE": "core.postgresql_backend",
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "REPLICA_OF": "default",
        "TRANSACTION_POOLING": DATABASE_POOLER == "pgbouncer",
        "DISABLE_SERVER_SIDE_CURSORS": DATABASE_POOLER == "pgbouncer",
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _redis_database(url: str, number: int) -> str:
    """``url`` with its Redis database number replaced by ``number``."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "db"]
    if parts.scheme == "unix":  # unix:///path/to/redis.sock?db=N
        return f"unix://{parts.netloc}{parts.path}?{urlencode([*query, ('db', str(number))])}"
    return urlunsplit(parts._replace(path=f"/{number}", query=urlencode(query)))


REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# A Redis that does not answer costs one short timeout, then calls to it fail at once for
# REDIS_DOWN_SECONDS (core.redis); pages that can do without it carry on (decision 016).
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.5)
REDIS_DOWN_SECONDS = env.float("REDIS_DOWN_SECONDS", default=2.0)
# Tests share nothing in Redis with a development server on the same machine: a database of
# their own (whatever REDIS_URL says) and, within it, keys and Celery queues under a prefix
# of their own test database (so two test runs do not meet either).
TEST_REDIS_DB = env.int("TEST_REDIS_DB", default=15)
if TESTING:
    REDIS_URL = _redis_database(REDIS_URL, TEST_REDIS_DB)
CACHE_KEY_PREFIX = env.str(
    "CACHE_KEY_PREFIX",
    default=f"t-{DATABASES['default']['TEST']['NAME']}" if TESTING else "bimeh",
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "TIMEOUT": 3600,
        "OPTIONS": {
            "pool_class": "core.redis.GuardedConnectionPool",
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.MobileBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# One login on every host: the session and CSRF cookies belong to the parent domain.
# Browsers refuse a cookie for the whole of "localhost" (they treat it like a top-level
# domain), so with BASE_DOMAIN=localhost the cookies stay on each host; use e.g.
# BASE_DOMAIN=bimeh.localhost to have one login across hosts in development.
SESSION_COOKIE_DOMAIN = env.str(
    "SESSION_COOKIE_DOMAIN", default=None if BASE_DOMAIN == "localhost" else BASE_DOMAIN
)
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
LANGUAGE_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
# Where the cookie cannot cover every host, the main site hands the same session to the
# other hosts (accounts/hub.py). Tests switch it on where they exercise it.
LOGIN_HUB_ENABLED = env.bool(
    "LOGIN_HUB_ENABLED", default=SESSION_COOKIE_DOMAIN is None and not TESTING
)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
# Sessions live in PostgreSQL alone: a logged-in visitor stays logged in while Redis is
# down, and a logout can never be undone by a stale cached copy (decision 016).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
_port = f":{SITE_PORT}" if SITE_PORT else ""
CSRF_TRUSTED_ORIGINS = [
    f"{SITE_SCHEME}://{BASE_DOMAIN}{_port}",
    f"{SITE_SCHEME}://*.{BASE_DOMAIN}{_port}",
    *env.list("EXTRA_CSRF_TRUSTED_ORIGINS", default=[]),
]
# HTTPS (decision 019): TLS ends at the load balancer, which must set X-Forwarded-Proto
# itself (overwriting what a client sent). Plain http is redirected, except /healthz for
# the probes. HSTS covers every host under BASE_DOMAIN (all of them are ours, behind the
# same TLS); preload may be turned off where the domain has other, plain-http hosts.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Our proxies in front of the web servers (the load balancer): addresses or networks
# (CIDR). X-Forwarded-For is read only when the peer is one of them, and only as far as
# they vouch for it (core.http.client_ip); empty, the peer itself is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    trusted_proxy_networks(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tehran"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "static_collected")
# Front-end packages come from npm at set-up and are served from here; nothing is committed.
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap/dist", _NODE / "bootstrap" / "dist"),
    ("vendor/htmx.org/dist", _NODE / "htmx.org" / "dist"),
    # The web pages use the Persian-only cut of the font (a third of the full one's size;
    # Latin text falls back to the system's sans-serif); the PDFs read the TTFs directly.
    ("vendor/vazirmatn", _NODE / "vazirmatn" / "misc" / "Non-Latin" / "fonts" / "webfonts"),
    ("vendor/swagger-ui-dist", _NODE / "swagger-ui-dist"),
    ("vendor/leaflet/dist", _NODE / "leaflet" / "dist"),
    ("vendor/chart.js/dist", _NODE / "chart.js" / "dist"),
    BASE_DIR / "static",
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfiles.TrimmedCssFinder",
]
# Bootstrap trimmed to the classes the project's own files use, rebuilt when they change
# (core.staticfiles, decision 023): the whole of it would block every first paint.
TRIMMED_STYLESHEETS = {
    "css/bootstrap.rtl.css": _NODE / "bootstrap" / "dist" / "css" / "bootstrap.rtl.min.css",
    "css/bootstrap.css": _NODE / "bootstrap" / "dist" / "css" / "bootstrap.min.css",
}
TRIMMED_STYLESHEETS_ROOT = env.path(
    "TRIMMED_STYLESHEETS_ROOT", default=BASE_DIR / "build" / "static"
)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Public media: what every visitor may see (site logos and banners), served by
# core.views.public_media in every mode, and only from these folders, only as images.
MEDIA_URL = "/media/"
# Tests keep their files out of the checkout, where a development server keeps its own.
_FILES_ROOT = (
    Path(tempfile.gettempdir()) / f"bimeh-{DATABASES['default']['TEST']['NAME']}"
    if TESTING
    else BASE_DIR
)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=_FILES_ROOT / "media")
PUBLIC_MEDIA_PREFIXES = ("site/",)
PUBLIC_MEDIA_MAX_AGE = env.int("PUBLIC_MEDIA_MAX_AGE", default=7 * 24 * 3600)
# Private files (policy PDFs, order documents, settlement files): no URL at all, only views
# that check who asks hand them out (decision 018).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=_FILES_ROOT / "private")
STORAGES["private"] = {"BACKEND": "core.storage.PrivateFileSystemStorage"}

# The API takes and gives JSON only (one upload endpoint takes multipart); every error has
# one shape and an honest status (core/api.py, decision 017).
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.ApiSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api_auth.SessionAuthentication"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bimeh sales platform API",
    "DESCRIPTION": "Quotes, accounts, agencies and sales of the insurer and its sales network.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the npm package installed at set-up, never from a CDN.
    "SWAGGER_UI_DIST": f"{STATIC_URL}vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": f"{STATIC_URL}vendor/swagger-ui-dist/favicon-32x32.png",
    # States and kinds are enums with names of their own, whatever field carries them.
    "ENUM_NAME_OVERRIDES": {
        "OrderStateEnum": "policies.models.Order.State",
        "PaymentStateEnum": "policies.models.Payment.State",
        "PolicyStateEnum": "policies.models.Policy.State",
        "DeliveryMethodEnum": "policies.models.Order.Delivery",
        "DeliverySlotEnum": "policies.models.Order.Slot",
        "QuestionKindEnum": "policies.models.Question.Kind",
        "AgencyKindEnum": "tenants.models.Agency.Kind",
        "AgencyStatusEnum": "tenants.models.Agency.Status",
        "MembershipRoleEnum": "accounts.models.AgencyMembership.Role",
        "InsurerRoleEnum": "accounts.models.User.InsurerRole",
        # Agency sign-up's API (decision 046).
        "AgencyApplicationStateEnum": "onboarding.models.AgencyApplication.State",
        # The CRM's API (decision 033).
        "CrmCustomerKindEnum": "crm.models.Customer.Kind",
        "CrmPartyEnum": "crm.models.Customer.Party",
        "CrmChannelEnum": "crm.models.Customer.Channel",
        "CrmLanguageEnum": "crm.models.Customer.Language",
        "CrmCustomerSourceEnum": "crm.models.Customer.Source",
        "CrmConsentSourceEnum": "crm.models.Customer.ConsentSource",
        "CrmPhoneKindEnum": "crm.models.CustomerPhone.Kind",
        "CrmAddressKindEnum": "crm.models.CustomerAddress.Kind",
        "CrmRelationKindEnum": "crm.models.CustomerRelation.Kind",
        "CrmRankBandEnum": "crm.models.CustomerRank.Band",
        "CrmBookOriginEnum": "crm.models.BookPolicy.Origin",
        "CrmBookStateEnum": "crm.models.BookPolicy.State",
        "CrmCaseKindEnum": "crm.models.Case.Kind",
        "CrmCaseStateEnum": "crm.models.Case.State",
        "CrmCasePriorityEnum": "crm.models.Case.Priority",
        "CrmActivityKindEnum": "crm.models.Activity.Kind",
        "CrmInstrumentKindEnum": "crm.models.Instrument.Kind",
        "CrmInstrumentStateEnum": "crm.models.Instrument.State",
    },
}

# Celery: at-least-once delivery, every task idempotent.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
if TESTING and CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
    CELERY_BROKER_URL = _redis_database(CELERY_BROKER_URL, TEST_REDIS_DB)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A broker that does not answer must not hold a web request: short timeouts and one retry
# when publishing; core.queue then leaves the work to the sweeps for BROKER_DOWN_SECONDS.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
    # Above the BRPOP timeout (1 s) of the workers' long polls.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
}
BROKER_DOWN_SECONDS = env.float("BROKER_DOWN_SECONDS", default=10.0)
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str(
    "CELERY_TASK_DEFAULT_QUEUE", default=f"{CACHE_KEY_PREFIX}-default" if TESTING else "default"
)
# --- Queues and one beat (decision 055) -----------------------------------------------------
# Beat sends only while it holds a Redis lock (core.beat): a second beat stands by.
CELERY_BEAT_SCHEDULER = "core.beat:LockedScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
# Each task's queue (core.task_routes): sms, referrals, exports, or default. Workers listen
# per queue (docker-compose.yml), so a long export never delays a login code.
TASK_QUEUE_ROUTING = env.bool("TASK_QUEUE_ROUTING", default=not TESTING)
TASK_QUEUE_PREFIX = env.str("TASK_QUEUE_PREFIX", default=f"{CACHE_KEY_PREFIX}-" if TESTING else "")
CELERY_TASK_ROUTES = ("core.task_routes.route_task",)
TASK_QUEUES = {
    # Single messages: login codes, sale links, renewal replies.
    "core.tasks.sms_send": "sms",
    "core.tasks.sms_resume": "sms",
    "crm.tasks.crm_sale_link_send": "sms",
    "renewals.tasks_followup.renewals_followup_return_sms": "sms",
    # Referral waves: an offer's seconds count.
    "referrals.tasks.referral_start": "referrals",
    "referrals.tasks.referral_advance": "referrals",
    "referrals.tasks.agency_offers_withdraw": "referrals",
    "referrals.tasks.referrals_start_missed": "referrals",
    "referrals.tasks.referrals_sweep": "referrals",
    "advice.tasks.advice_sweep": "referrals",
    # Long files and batch runs.
    "settlement.tasks.settlement_export_render": "exports",
    "settlement.tasks.settlement_confirmation_apply": "exports",
    "settlement.tasks.settlement_batches_build_due": "exports",
    "settlement.tasks.commission_statements_build_due": "exports",
    "settlement.tasks.commissions_backfill": "exports",
    "settlement.tasks.commission_clawback": "default",
    "crm.book_tasks.crm_book_import": "exports",
    "crm.book_tasks.crm_book_import_check": "exports",
    "crm.tasks.crm_ledger_backfill": "exports",
    "crm.tasks.crm_ranking_nightly": "exports",
    "crm.tasks.crm_ranking_recompute": "exports",
    "messaging.bulk.tasks.bulk_send_run": "exports",
    "messaging.patterns.tasks.messaging_patterns_run": "exports",
    "renewals.tasks.renewals_day": "exports",
    "reports.tasks.report_summary_day_rollup": "exports",
    "tenants.tasks.spare_pool_refill": "exports",
    # Everything else.
    "claims.tasks.claims_crm_record": "default",
    "claims.tasks.claims_reminders_send": "default",
    "support.tasks.support_answer_notify": "default",
    "support.tasks.support_tickets_sweep": "default",
    "accounts.tasks.otp_purge_old": "default",
    "core.tasks.sms_drain": "default",
    "core.tasks.sms_inbound_poll": "default",
    "core.tasks.sms_reports_poll": "default",
    "crm.tasks.crm_activity_reminders": "default",
    "crm.tasks.crm_commission_set": "default",
    "crm.tasks.crm_ledger_sweep": "default",
    "crm.tasks.crm_policy_sync": "default",
    "crm.tasks.crm_reminders_sweep": "default",
    "messaging.bulk.tasks.bulk_sweep": "default",
    "messaging.bulk.tasks.bulk_sweep_agency": "default",
    "messaging.credit.tasks.top_ups_reconcile": "default",
    "messaging.inbound.messaging_inbound_catch_up": "default",
    "messaging.inbound.messaging_inbound_record": "default",
    "messaging.inbound.messaging_inbound_sweep": "default",
    "messaging.patterns.tasks.messaging_patterns_sweep": "default",
    "policies.tasks.payments_reconcile": "default",
    "policies.tasks.policy_pdf_render": "default",
    "policies.tasks.policy_pdfs_resume": "default",
    "policies.tasks.quote_flush": "default",
    "renewals.tasks.renewals_sweep": "default",
    "reports.tasks.report_summaries_refresh": "default",
    "settlement.tasks.commission_compute": "default",
    "settlement.tasks.settlement_work_resume": "default",
}
CELERY_BEAT_SCHEDULE = {
    "purge-old-one-time-codes": {"task": "accounts.tasks.otp_purge_old", "schedule": 24 * 3600},
    "refill-spare-schema-pool": {"task": "tenants.tasks.spare_pool_refill", "schedule": 15 * 60},
    "reconcile-open-payments": {"task": "policies.tasks.payments_reconcile", "schedule": 5 * 60},
    "store-pending-quotes": {"task": "policies.tasks.quote_flush", "schedule": 5},
    # Work committed while the broker was down (decision 016).
    "resume-unsent-sms": {"task": "core.tasks.sms_resume", "schedule": 60},
    "drain-sms-outbox": {"task": "core.tasks.sms_drain", "schedule": 60},
    "read-sms-delivery-reports": {"task": "core.tasks.sms_reports_poll", "schedule": 60},
    "read-inbound-sms": {"task": "core.tasks.sms_inbound_poll", "schedule": 60},
    "resume-missing-policy-pdfs": {"task": "policies.tasks.policy_pdfs_resume", "schedule": 5 * 60},
    "start-missed-referrals": {"task": "referrals.tasks.referrals_start_missed", "schedule": 60},
    "compute-missing-commissions": {
        "task": "settlement.tasks.commissions_backfill",
        "schedule": 10 * 60,
    },
    "build-settlement-batches": {
        "task": "settlement.tasks.settlement_batches_build_due",
        "schedule": 60 * 60,
    },
    "resume-settlement-work": {
        "task": "settlement.tasks.settlement_work_resume",
        "schedule": 60,
    },
    # Report summaries: ended days, and days changed since (decision 060).
    "refresh-report-summaries": {"task": "reports.tasks.report_summaries_refresh", "schedule": 60},
    "build-commission-statements": {
        "task": "settlement.tasks.commission_statements_build_due",
        "schedule": 6 * 60 * 60,
    },
    # Sales whose CRM sync was never sent reach the agency's book (one message per agency).
    "sweep-crm-ledger": {"task": "crm.tasks.crm_ledger_sweep", "schedule": 24 * 60 * 60},
    # Every customer's rank, recomputed per agency (one message per agency).
    "recompute-crm-ranking": {"task": "crm.tasks.crm_ranking_nightly", "schedule": 24 * 60 * 60},
    # Bulk SMS sends whose start message was lost, or whose expansion a dead worker left
    # (each send's own eta message starts it; one message per agency, decision 038).
    "sweep-bulk-sms": {"task": "messaging.bulk.tasks.bulk_sweep", "schedule": 60 * 60},
    # Activity reminders of every active agency's staff (each sent once).
    "send-crm-activity-reminders": {"task": "crm.tasks.crm_reminders_sweep", "schedule": 5 * 60},
    # Contact patterns: the day's automated SMS of every active agency (each decided once).
    "run-sms-patterns": {
        "task": "messaging.patterns.tasks.messaging_patterns_sweep",
        "schedule": 60 * 60,
    },
    # Renewal lists: the day's items of every active agency built and given out (the first
    # run of the Tehran day does the work; the later ones find it done, decision 041).
    "build-renewal-lists": {"task": "renewals.tasks.renewals_sweep", "schedule": 60 * 60},
    # Customers' replies whose task never reached the broker (messaging.inbound).
    "sweep-inbound-sms": {"task": "messaging.inbound.messaging_inbound_sweep", "schedule": 3600},
    # Online SMS credit top-ups whose owner never came back from the bank.
    "reconcile-sms-top-ups": {
        "task": "messaging.credit.tasks.top_ups_reconcile",
        "schedule": 5 * 60,
    },
    "sweep-referral-waves": {
        "task": "referrals.tasks.referrals_sweep",
        "schedule": env.int("REFERRAL_SWEEP_SECONDS", default=5),
    },
}
CELERY_TIMEZONE = TIME_ZONE

# ---- Claims (decision 048) ----
# Reminders of missing claim documents (capped, each sent once; claims.services).
CELERY_BEAT_SCHEDULE["remind-missing-claim-documents"] = {
    "task": "claims.tasks.claims_reminders_send",
    "schedule": 60 * 60,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ClaimStateEnum"] = "claims.models.Claim.State"  # type: ignore[index]
# ---- end of claims ----

# Settlement files: rows read and written per step (each step records progress), and how long a
# writer may stay silent before its export or import is presumed lost and queued again.
SETTLEMENT_EXPORT_CHUNK = env.int("SETTLEMENT_EXPORT_CHUNK", default=5000)
SETTLEMENT_STALE_SECONDS = env.int("SETTLEMENT_STALE_SECONDS", default=120)
# How far back a day's build looks for policies issued but not yet settled.
SETTLEMENT_LOOKBACK_DAYS = env.int("SETTLEMENT_LOOKBACK_DAYS", default=62)

# SMS (core.sms, decisions 004 and 034): "sandbox" behaves like a provider without a network
# (state in Redis, shown at /dev/sms/); "dev" is its former name. "kavenegar" and "ghasedak"
# send for real.
SMS_BACKEND = env.str("SMS_BACKEND", default="kavenegar" if PRODUCTION else "sandbox")
if SMS_BACKEND not in {"sandbox", "dev", "kavenegar", "ghasedak"} and "." not in SMS_BACKEND:
    raise ImproperlyConfigured(f"Unknown SMS_BACKEND {SMS_BACKEND!r}.")
if PRODUCTION and SMS_BACKEND in {"sandbox", "dev"}:
    raise ImproperlyConfigured("The development SMS backend cannot be used in production.")
# Seconds to connect to a provider and to wait for its answer, on every call.
SMS_CONNECT_TIMEOUT_SECONDS = env.float("SMS_CONNECT_TIMEOUT_SECONDS", default=5.0)
SMS_READ_TIMEOUT_SECONDS = env.float("SMS_READ_TIMEOUT_SECONDS", default=20.0)
KAVENEGAR_API_KEY = env.str("KAVENEGAR_API_KEY", default="")
KAVENEGAR_BASE_URL = env.str("KAVENEGAR_BASE_URL", default="https://api.kavenegar.com/v1")
KAVENEGAR_SENDER = env.str("KAVENEGAR_SENDER", default="")  # send(): the line it names
KAVENEGAR_SERVICE_LINE = env.str("KAVENEGAR_SERVICE_LINE", default=KAVENEGAR_SENDER)
KAVENEGAR_PROMOTIONAL_LINE = env.str("KAVENEGAR_PROMOTIONAL_LINE", default="")
GHASEDAK_API_KEY = env.str("GHASEDAK_API_KEY", default="")
GHASEDAK_BASE_URL = env.str("GHASEDAK_BASE_URL", default="https://api.ghasedak.me/v2")
GHASEDAK_SERVICE_LINE = env.str("GHASEDAK_SERVICE_LINE", default="")
GHASEDAK_PROMOTIONAL_LINE = env.str("GHASEDAK_PROMOTIONAL_LINE", default="")
# The sandbox: its line numbers, how long until a delivery report, how long it keeps state.
SMS_SANDBOX_SERVICE_LINE = env.str("SMS_SANDBOX_SERVICE_LINE", default="10008000")
SMS_SANDBOX_PROMOTIONAL_LINE = env.str("SMS_SANDBOX_PROMOTIONAL_LINE", default="50008000")
SMS_SANDBOX_REPORT_SECONDS = env.float("SMS_SANDBOX_REPORT_SECONDS", default=3.0)
SMS_SANDBOX_KEEP_SECONDS = env.int("SMS_SANDBOX_KEEP_SECONDS", default=2 * 24 * 3600)
# What one SMS part costs an agency, in rials, by line (core.sms.parts): charged to its credit.
SMS_PART_PRICE_RIALS = {
    "service": env.int("SMS_SERVICE_PART_PRICE_RIALS", default=1_200),
    "promotional": env.int("SMS_PROMOTIONAL_PART_PRICE_RIALS", default=900),
}
# How many drains a queued send starts at once (each takes one worker process).
SMS_DRAIN_PARALLEL = env.int("SMS_DRAIN_PARALLEL", default=2)
# A batched message claimed longer ago than this belonged to a worker that died: it is
# queued again (core.sms.outbox). Benchmarks of a killed worker lower it.
SMS_CLAIM_TIMEOUT_SECONDS = env.int("SMS_CLAIM_TIMEOUT_SECONDS", default=300)
if SMS_BACKEND == "kavenegar" and PRODUCTION and not KAVENEGAR_API_KEY:
    raise ImproperlyConfigured("KAVENEGAR_API_KEY is required for the Kavenegar SMS backend.")
if SMS_BACKEND == "ghasedak" and PRODUCTION and not GHASEDAK_API_KEY:
    raise ImproperlyConfigured("GHASEDAK_API_KEY is required for the Ghasedak SMS backend.")

# Online payment (S-2.4): the sandbox bank in development, Zarinpal in production.
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="zarinpal" if PRODUCTION else "sandbox")
PAYMENT_SANDBOX_ENABLED = env.bool("PAYMENT_SANDBOX_ENABLED", default=not PRODUCTION)
PAYMENT_TIMEOUT = env.float("PAYMENT_TIMEOUT", default=10.0)
ZARINPAL_MERCHANT_ID = env.str("ZARINPAL_MERCHANT_ID", default="")
ZARINPAL_SANDBOX = env.bool("ZARINPAL_SANDBOX", default=not PRODUCTION)
_ZARINPAL_HOST = "sandbox.zarinpal.com" if ZARINPAL_SANDBOX else "payment.zarinpal.com"
ZARINPAL_API_BASE = env.str("ZARINPAL_API_BASE", default=f"https://{_ZARINPAL_HOST}")
ZARINPAL_STARTPAY_BASE = env.str("ZARINPAL_STARTPAY_BASE", default=f"https://{_ZARINPAL_HOST}")
if PRODUCTION and (PAYMENT_GATEWAY == "sandbox" or PAYMENT_SANDBOX_ENABLED):
    raise ImproperlyConfigured("The sandbox bank cannot be used in production.")
if PRODUCTION and PAYMENT_GATEWAY == "zarinpal" and ZARINPAL_SANDBOX:
    # Zarinpal's sandbox accepts any card and moves no money: policies would be sold for free.
    raise ImproperlyConfigured("ZARINPAL_SANDBOX cannot be on in production.")
if PRODUCTION and PAYMENT_GATEWAY == "zarinpal" and not ZARINPAL_MERCHANT_ID:
    raise ImproperlyConfigured("ZARINPAL_MERCHANT_ID is required for the Zarinpal gateway.")


# Content-Security-Policy on every response (core.csp; decision 019). Inline scripts and
# styles run only with the request's nonce; forms may post (and their redirects go) to the
# platform's hosts and the bank.
def _origin(url: str) -> str | None:
    """``https://{s}.tile.example/{z}/{x}/{y}.png`` → ``https://*.tile.example``."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Any port where a port is given (development servers and test servers pick their own).
_csp_port = ":*" if SITE_PORT else ""
PLATFORM_ORIGINS = [
    f"{SITE_SCHEME}://{BASE_DOMAIN}{_csp_port}",
    f"{SITE_SCHEME}://*.{BASE_DOMAIN}{_csp_port}",
]
_bank_origins = [_origin(ZARINPAL_STARTPAY_BASE)] if PAYMENT_GATEWAY == "zarinpal" else []
SECURE_CSP: dict[str, Any] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *filter(None, [_origin(MAP_TILE_URL)])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *PLATFORM_ORIGINS, *filter(None, _bank_origins)],
    "upgrade-insecure-requests": PRODUCTION,
}

# Uploaded documents (S-2.3): at most 5 MB each; a larger body is refused with a clear
# message by the form, not by Django's request limit, so the limit here is a little higher.
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
INSURER_NAME = env.str("INSURER_NAME", default="بیمه نمونه")

# One-time codes (S-2.2).
OTP_LENGTH = 6
OTP_TTL_SECONDS = 120
OTP_MAX_ATTEMPTS = 5
OTP_RESEND_INTERVAL_SECONDS = env.int("OTP_RESEND_INTERVAL_SECONDS", default=60)
OTP_MAX_PER_MOBILE_PER_HOUR = env.int("OTP_MAX_PER_MOBILE_PER_HOUR", default=5)
OTP_MAX_PER_IP_PER_HOUR = env.int("OTP_MAX_PER_IP_PER_HOUR", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# ---- Advice requests (advice, decision 047) ----------------------------------------------
# How long a wave waits for a first answer before the circle widens, and how long a request
# stays open without an accepted answer (each answer extends it). The sweep widens and
# expires; each step re-checks under the request's row lock (safe to run twice).
ADVICE_WAVE_MINUTES = env.int("ADVICE_WAVE_MINUTES", default=60)
ADVICE_IDLE_DAYS = env.int("ADVICE_IDLE_DAYS", default=7)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["AdviceRequestStateEnum"] = (  # type: ignore[index]
    "advice.models.AdviceRequest.State"
)
CELERY_BEAT_SCHEDULE["sweep-advice-requests"] = {
    "task": "advice.tasks.advice_sweep",
    "schedule": env.int("ADVICE_SWEEP_SECONDS", default=60),
}
# ---- Support tickets (support/, decision 051) ----------------------------------------------
# Late tickets escalated and lost answer notices sent, every five minutes (each once).
CELERY_BEAT_SCHEDULE["sweep-support-tickets"] = {
    "task": "support.tasks.support_tickets_sweep",
    "schedule": 5 * 60,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "SupportTicketStateEnum": "support.models.Ticket.State",
        "SupportAuthorSideEnum": "support.models.Message.Author",
    }
)
