"""Candor's one settings module.

Every setting that differs between machines comes from the environment through the
strict helpers below: a malformed value stops start-up with a message naming the
variable, instead of silently falling back to a default.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from candor.ops.logging import json_logging

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return as_bool(name, raw)


def as_bool(name: str, raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def database_from_env(production: bool) -> dict[str, object]:
    default_url = f"sqlite:///{REPO_DIR / 'candor.sqlite3'}"
    url = env_str("DATABASE_URL", default_url)
    if not url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a sqlite:/// or postgres:// URL, got {url!r}"
        )
    # Production keeps each worker's connection (PostgreSQL starts a process for every
    # new one) and checks it before reuse, so a restarted database is reconnected to.
    conn_max_age = env_int("DB_CONN_MAX_AGE", 60 if production else 0)
    config = dict(
        dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=conn_max_age > 0)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Writers take the lock when their transaction starts, so two requests updating
        # the same book's rating state queue up instead of deadlocking or losing an update.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Tests use a file too: an in-memory database locks differently from production.
        config["TEST"] = {"NAME": str(Path(str(config["NAME"])).with_suffix(".test.sqlite3"))}
    return config


def redis_url(name: str) -> str:
    """A redis://, rediss:// or unix:// URL, checked here so a typo stops start-up."""
    url = env_str(name, "")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        parts = parts._replace(scheme="")
    database = parts.path.strip("/")
    if parts.scheme == "unix":
        valid = bool(parts.path)
    else:
        valid = parts.scheme in ("redis", "rediss") and bool(parts.hostname)
        valid = valid and (database == "" or database.isdigit())
    if not valid:
        raise ImproperlyConfigured(
            f"{name} must look like redis://host:port/db (or rediss://, unix://), got "
            f"{redacted(url)!r}"
        )
    return url


def redacted(url: str) -> str:
    """The URL with any password replaced, for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def cache_from_env() -> dict[str, object]:
    """Redis when REDIS_URL is set, else CACHE_BACKEND (local memory by default)."""
    prefix = env_str("CACHE_KEY_PREFIX", "candor")
    if env_str("REDIS_URL", ""):
        if env_str("CACHE_BACKEND", ""):
            raise ImproperlyConfigured("Set REDIS_URL or CACHE_BACKEND, not both")
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url("REDIS_URL"),
            "KEY_PREFIX": prefix,
        }
    return {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("CACHE_LOCATION", "candor"),
        "KEY_PREFIX": prefix,
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20_000)},
    }


def site_url_from_env(allowed_hosts: list[str], https: bool | None) -> str:
    """The site's public address (scheme, host, port), from which canonical URLs are made.

    From SITE_URL; in production without it, the first of ALLOWED_HOSTS (https unless
    CANDOR_HTTPS=false); in development without it "" (addresses then follow the request,
    `candor.catalog.site_urls`). `https` is None in development."""
    raw = env_str("SITE_URL", "").strip()
    if raw:
        parts = urlsplit(raw)
        try:
            parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError:
            parts = parts._replace(scheme="")
        extra = parts.path.strip("/") or parts.query or parts.fragment or parts.username
        if parts.scheme not in ("http", "https") or not parts.hostname or extra:
            raise ImproperlyConfigured(
                f"SITE_URL must be the site's address, like https://candor.example.com "
                f"(a port may follow; no path), got {raw!r}"
            )
        return f"{parts.scheme}://{parts.netloc}"
    if https is None:
        return ""
    first = allowed_hosts[0]
    if first.startswith(".") or "*" in first:
        raise ImproperlyConfigured(
            f"SITE_URL must be set when the first of ALLOWED_HOSTS is a pattern ({first!r})"
        )
    return f"{'https' if https else 'http'}://{first}"


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
SMTP_SETTINGS = (
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


def email_from_env() -> dict[str, Any]:
    """Django's EMAIL_* settings: SMTP from EMAIL_URL or from EMAIL_HOST and its fellows
    (one or the other), else the console (mails printed, for development)."""
    url, host = env_str("EMAIL_URL", "").strip(), env_str("EMAIL_HOST", "").strip()
    if url and host:
        raise ImproperlyConfigured("Set EMAIL_URL or EMAIL_HOST, not both")
    smtp = smtp_from_url(url) if url else smtp_from_variables(host) if host else None
    if smtp is None:
        # Django's own defaults, unused by the console backend.
        smtp = dict(zip(SMTP_SETTINGS, ("localhost", 25, "", "", False, False), strict=True))
    if smtp["EMAIL_USE_TLS"] and smtp["EMAIL_USE_SSL"]:
        raise ImproperlyConfigured("E-mail: use STARTTLS (tls) or implicit TLS (ssl), not both")
    backend = env_str("EMAIL_BACKEND", SMTP_BACKEND if url or host else CONSOLE_BACKEND)
    # A mail server that stops answering must not hold a request past gunicorn's timeout.
    timeout = env_int("EMAIL_TIMEOUT", 10)
    return {"EMAIL_BACKEND": backend, **smtp, "EMAIL_TIMEOUT": timeout}


def smtp_from_url(url: str) -> dict[str, Any]:
    """smtp://user:password@host:port?tls=1 (STARTTLS) or smtps://… (implicit TLS);
    the user and password percent-encoded as in any URL."""

    def refuse(reason: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(
            f"EMAIL_URL must look like smtp://user:password@host:587?tls=1 or "
            f"smtps://user:password@host:465 ({reason}), got {redacted(url)!r}"
        )

    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise refuse(f"scheme {parts.scheme or 'missing'}")
    if not parts.hostname:
        raise refuse("no host")
    try:
        port = parts.port
    except ValueError:
        raise refuse("the port is not a number") from None
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - {"tls", "ssl"})
    if unknown:
        raise refuse(f"unknown parameter {unknown[0]}")
    tls = as_bool("EMAIL_URL's tls", query["tls"][-1]) if "tls" in query else False
    ssl = parts.scheme == "smtps" or (
        as_bool("EMAIL_URL's ssl", query["ssl"][-1]) if "ssl" in query else False
    )
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if ssl else 587 if tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": tls,
        "EMAIL_USE_SSL": ssl,
    }


def smtp_from_variables(host: str) -> dict[str, Any]:
    tls, ssl = env_bool("EMAIL_USE_TLS", False), env_bool("EMAIL_USE_SSL", False)
    return {
        "EMAIL_HOST": host,
        "EMAIL_PORT": env_int("EMAIL_PORT", 465 if ssl else 587 if tls else 25),
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": tls,
        "EMAIL_USE_SSL": ssl,
    }


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when CANDOR_MODE=production")
    return value


def production_secret_key() -> str:
    """The key signing sessions and reset links: long and random, or Candor refuses to start."""
    key = env_required("SECRET_KEY")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be at least 50 random characters in production; make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return key


# CANDOR_MODE=production turns development defaults into requirements (see
# docs/production.md): DEBUG off, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL set explicitly.
MODE = env_str("CANDOR_MODE", "development")
if MODE not in ("development", "production"):
    raise ImproperlyConfigured(f"CANDOR_MODE must be development or production, got {MODE!r}")
PRODUCTION = MODE == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when CANDOR_MODE=production")
if PRODUCTION:
    SECRET_KEY = production_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", env_required("ALLOWED_HOSTS"))
    env_required("DATABASE_URL")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
SITE_NAME = "Candor"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    "csp",
    "ninja",
    "candor.accounts",
    "candor.catalog",
    "candor.reviews",
    "candor.essays",
    "candor.exports",
    "candor.desk",
]

MIDDLEWARE = [
    "candor.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "candor.ops.middleware.RefuseNullCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Unknown routes and methods under /api/ answer with the API's JSON error shape.
    "candor.api.errors.JsonErrorsUnderApi",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "candor.urls"
WSGI_APPLICATION = "candor.wsgi.application"

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

DATABASES = {"default": database_from_env(PRODUCTION)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(REPO_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and fetched files (book covers, under covers/): back this folder up with the
# database. Candor serves covers itself (/books/SLUG/cover), so no web server setup.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(REPO_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# `candor covers`: where a cover is fetched by ISBN ({isbn} is the ISBN-13).
CANDOR_COVERS_URL = env_str(
    "CANDOR_COVERS_URL", "https://covers.openlibrary.org/b/isbn/{isbn}-M.jpg?default=false"
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# E-mail (password resets): SMTP from EMAIL_URL or EMAIL_HOST and its fellows, else the
# console (see email_from_env).
_email = email_from_env()  # lower case: not a setting of its own
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "candor@localhost")

# Reviews: limits shared by the form, the model and the database.
REVIEWS_PER_PAGE = env_int("REVIEWS_PER_PAGE", 10)

# The cache holds the API's write counters. The default, local memory, is per process and
# exact there. With several server processes set REDIS_URL (bin/prod does when a Redis
# answers): Redis counts with one atomic INCR, so a limit holds exactly across workers and
# machines; Django's file and database caches read and write a counter in two steps and
# let concurrent writes past it. Ratings are not cached: each book's is stored on it by
# the rating store (candor.reviews.store).
CACHES = {"default": cache_from_env()}

# REST API: writes allowed per token and per client address in each window (429 after).
API_WRITES_PER_TOKEN = env_int("API_WRITES_PER_TOKEN", 60)
API_WRITES_PER_IP = env_int("API_WRITES_PER_IP", 120)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60)
# How many reverse proxies put the client's address in X-Forwarded-For (0: none, use the peer).
API_TRUSTED_PROXIES = env_int("API_TRUSTED_PROXIES", 0)

# Sign-in throttling (django-axes): after N failed sign-ins for one username from one address,
# that pair is locked out for the cool-off time. Failures are counted in the database.
AUTHENTICATION_BACKENDS = [
    "candor.ops.throttle.SignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CANDOR_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CANDOR_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address as the API's limits see it: X-Forwarded-For is believed only behind
# API_TRUSTED_PROXIES proxies, so a forged header cannot dodge a lockout.
AXES_CLIENT_IP_CALLABLE = "candor.ops.throttle.client_ip"
AXES_USERNAME_CALLABLE = "candor.ops.throttle.client_username"

# Content-Security-Policy (django-csp 4): everything from this site only, nothing inline.
# Templates keep all JavaScript and CSS in static files (tests/security checks them). The
# one inline block, a book page's schema.org data (JSON, never run), carries the page's
# nonce; the header names a nonce only on pages that use one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if PRODUCTION:
    # Behind HTTPS (the default) cookies are Secure and browsers are told to stay on HTTPS.
    # CANDOR_HTTPS=false is for trying production mode on http://127.0.0.1 (bin/prod).
    HTTPS = env_bool("CANDOR_HTTPS", True)
    SECURE_SSL_REDIRECT = HTTPS
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if HTTPS else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("CANDOR_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
    if not HTTPS:
        # The operator said there is no HTTPS: these four checks can only say so again.
        SILENCED_SYSTEM_CHECKS = [
            "security.W004",
            "security.W008",
            "security.W012",
            "security.W016",
        ]
    # Static files straight from gunicorn, compressed and with hashed names cached forever.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    LOGGING = json_logging(env_str("LOG_LEVEL", "INFO").upper())
else:
    # bin/run serves with DEBUG off, so a visitor sees Candor's own error pages; Django
    # then prints a server error's traceback nowhere: send it to the terminal.
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "loggers": {
            "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}
        },
    }

# `candor import`: the longest line a file may have (a longer one is rejected and skipped),
# and how much text a file may hold once decompressed (reading stops there, so a small
# .gz expanding to gigabytes is refused without using the memory or the time).
IMPORT_MAX_LINE_BYTES = env_int("IMPORT_MAX_LINE_BYTES", 1 << 20)
IMPORT_MAX_DECOMPRESSED_BYTES = env_int("IMPORT_MAX_DECOMPRESSED_BYTES", 64 << 30)

# The site's public address: canonical URLs (essay pages, PDFs and citations, the feed,
# the sitemap, structured data, password-reset links) are made from it, never from the
# Host header a request sends.
SITE_URL = site_url_from_env(ALLOWED_HOSTS, HTTPS if PRODUCTION else None)

# Review essays: generated PDFs are cached here (safe to delete; rebuilt on demand).
ESSAY_PDF_CACHE_DIR = Path(env_str("ESSAY_PDF_CACHE_DIR", str(REPO_DIR / "var" / "essay-pdfs")))
