"""Settings for the HTTP status code reference.

Everything that differs between a laptop and production is read from the
environment; the defaults are safe for development on loopback.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("STATUSCODES_DATA_DIR", BASE_DIR / "data"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG off) refuses to start "
            "without a secret key: export DJANGO_SECRET_KEY=<a long random string>."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Django's 2.5 MB default answered a 3 MB paste with a bare 400 and lost the text.
# Every field has a limit far below this (reference.models), so a paste this large
# comes back as a form error with the text; larger still, templates/400.html says why.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 2**20

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "simple_history",
    "reference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the Host: one spelling per host, the server's own port.
    "reference.middleware.canonical_host",
    # Above whitenoise, so static files get the header too.
    "reference.middleware.cross_origin_resource_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above compression and CommonMiddleware: a 304 is built from the response as sent.
    "reference.middleware.NotModifiedMiddleware",
    # Django's, honouring "gzip;q=0".
    "reference.middleware.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After htmx's: a page loaded with ?q= is a settled search (live search reports its own).
    "reference.searchlog.page_searches",
    "reference.middleware.DatabaseUnavailable",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "statuscodes.urls"
WSGI_APPLICATION = "statuscodes.wsgi.application"

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
                "reference.context_processors.outage",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A small team saving at once: WAL lets readers go on while one writes; write
    # transactions take the lock when they begin (IMMEDIATE), so a second writer
    # waits its turn (up to the timeout, in seconds) instead of failing midway
    # with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run on a file too, as in production: an in-memory database shared
    # between threads fails concurrent writes with "table is locked".
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"statuscodes-test-{os.getpid()}.sqlite3")
    }


def keep_private(data_dir, sqlite_file):
    """data/ holds the secret key and the database: ours alone, whatever the umask."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sqlite_file is not None:
        # Created private before SQLite opens it; its -wal and -shm files take its mode.
        os.close(os.open(sqlite_file, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in [data_dir, *data_dir.glob("secret_key"), *data_dir.glob("*.sqlite3*")]:
        if path.stat().st_uid == os.getuid():
            path.chmod(0o700 if path.is_dir() else 0o600)


if "DATABASE_URL" not in os.environ or DATA_DIR.exists():
    keep_private(DATA_DIR, None if "DATABASE_URL" in os.environ else DATA_DIR / "db.sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Rendered pages are cached under a key that includes the data version, so a
# shared cache (Redis) is only needed once there are several app servers. Entries
# expire (TIMEOUT) so a version nobody asks for any more leaves the cache. Redis
# being away is a cache miss, logged once (statuscodes/cache.py), never an error page.
CACHE_TIMEOUT = int(os.environ.get("CACHE_TIMEOUT", "600"))
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "statuscodes.cache.FailSoftRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "TIMEOUT": CACHE_TIMEOUT,
            "OPTIONS": {
                # A Redis that does not answer must not hold a request for long.
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                # What Redis returns is never unpickled unless this site signed it.
                "serializer": "statuscodes.cache.SignedSerializer",
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": CACHE_TIMEOUT,
            # ~15 KB a rendering: at most ~15 MB per worker under a unique-URL flood.
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }

# A database that does not answer must not hold a request either: PostgreSQL
# connection attempts give up after a few seconds (libpq waits forever by default).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)

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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _weak_static_etag(headers, path, url):
    """whitenoise gives the br, gzip and plain files one strong ETag (RFC 9110 §8.8.1
    wants strong tags to differ by encoding): the same tag, marked weak, is true."""
    stat = os.stat(path)
    headers["ETag"] = f'W/"{int(stat.st_mtime):x}-{stat.st_size:x}"'


WHITENOISE_ADD_HEADERS_FUNCTION = _weak_static_etag

# The admin lives under a configurable path so it is not where scanners look.
# Searches readers could not finish, counted per query for the editors (reference.searchlog).
SEARCH_LOG = env_bool("DJANGO_SEARCH_LOG", True)
SEARCH_LOG_MAX = 1000  # queries kept; the least seen make room

ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# Security headers. HSTS and secure cookies only make sense behind HTTPS,
# which production terminates at the proxy (DJANGO_HTTPS=1).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS and env_bool("DJANGO_SSL_REDIRECT", True)
# Load balancers probe plain HTTP: the health checks answer there too.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
# Both commit every subdomain of the site's domain (preload: for years, in browsers'
# source code), so only an operator who knows they all serve HTTPS opts in.
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = HTTPS and env_bool("DJANGO_HSTS_PRELOAD", False)
# `check --deploy` recommends both; leaving them to the operator is the choice above.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

GISCUS_ORIGIN = "https://giscus.app"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, GISCUS_ORIGIN],
        # giscus.app's client links its default.css (the frame's size and colour scheme).
        "style-src": [SELF, GISCUS_ORIGIN],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [GISCUS_ORIGIN],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# Failed admin logins (django-axes): five tries per username and address, then a
# one-hour lock of that pair, so a stranger cannot lock an editor out; and an
# address that fails 20 times in the hour, whatever usernames it tries, is locked
# for all of them. Unlock: manage.py axes_reset_username / axes_reset_ip / axes_reset.
SIGNIN_FAILURES_PER_USERNAME = int(os.environ.get("SIGNIN_FAILURES_PER_USERNAME", "5"))
SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("SIGNIN_FAILURES_PER_ADDRESS", "20"))
AXES_FAILURE_LIMIT = "reference.throttling.failure_limit"
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The reverse proxies in front of the site (addresses or networks, comma-separated):
# only from these is X-Forwarded-For believed. Unset: the peer address is the client.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "")
AXES_CLIENT_IP_CALLABLE = "reference.throttling.client_ip"

# Giscus (comments). Unset means "not configured": pages show a note instead.
GISCUS = {
    "repo": os.environ.get("GISCUS_REPO", ""),
    "repo_id": os.environ.get("GISCUS_REPO_ID", ""),
    "category": os.environ.get("GISCUS_CATEGORY", ""),
    "category_id": os.environ.get("GISCUS_CATEGORY_ID", ""),
    "mapping": os.environ.get("GISCUS_MAPPING", "specific"),
    "theme": os.environ.get("GISCUS_THEME", "preferred_color_scheme"),
    "lang": os.environ.get("GISCUS_LANG", "en"),
}

# Public responses (pages and API): browsers may keep them this long, then revalidate.
PAGE_MAX_AGE = int(os.environ.get("PAGE_MAX_AGE", "60"))
# Shared caches (a CDN): keep a response this long (s-maxage), serve it stale while
# fetching a fresh one in the background, and serve it stale when we answer 5xx.
# A purge is rarely needed: the data version is in the ETag (see the README).
CDN_S_MAXAGE = int(os.environ.get("CDN_S_MAXAGE", "300"))
CDN_STALE_WHILE_REVALIDATE = int(os.environ.get("CDN_STALE_WHILE_REVALIDATE", "60"))
CDN_STALE_IF_ERROR = int(os.environ.get("CDN_STALE_IF_ERROR", "86400"))
# Browsers may reuse an API CORS preflight answer this long.
CORS_MAX_AGE = 86400

# To stderr, which gunicorn and systemd's journal collect: time, process, level,
# where from, in the shape of gunicorn's own lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "app": {
            "format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "app"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
