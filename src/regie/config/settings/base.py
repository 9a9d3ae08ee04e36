"""Settings shared by every environment, read from the environment where they vary."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = Path(os.environ.get("REGIE_HOME", PACKAGE_DIR.parents[1])).resolve()
VAR_DIR = Path(os.environ.get("REGIE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("REGIE_SECRET_KEY", "regie-insecure-development-key-change-me")
DEBUG = os.environ.get("REGIE_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("REGIE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # the API's documentation page then uses its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "regie.core",
    "regie.people",
    "regie.activities",
    "regie.attendance",
    "regie.ledger",
    "regie.billing",
    "regie.documents",
    "regie.payments",
    "regie.security",
    "regie.dunning",
    "regie.fees",
    "regie.scanning",
    "regie.exports",
    "regie.certificates",
    "regie.statistics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "regie.security.headers.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "regie.core.middleware.OrganisationMiddleware",
    "regie.security.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "regie.core.badinput.BadInputMiddleware",
]

ROOT_URLCONF = "regie.config.urls"
WSGI_APPLICATION = "regie.config.wsgi.application"

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
                "regie.core.context_processors.organisation",
            ]
        },
    }
]


def database_from_env(default_sqlite: Path) -> dict:
    """Return the default database: ``DATABASE_URL`` or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite)}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while a background job writes; IMMEDIATE avoids lock upgrades.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {"default": database_from_env(VAR_DIR / "regie.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "regie.core.backends.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username+address out after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("REGIE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# ... and an address after more failures, whatever the usernames tried (regie.core.login_limits).
AXES_HANDLER = "regie.core.login_limits.LoginLimitHandler"
REGIE_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("REGIE_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
# The client's address: the socket's, or the last entry of this header set by a trusted proxy.
REGIE_TRUSTED_PROXY_HEADER = os.environ.get("REGIE_TRUSTED_PROXY_HEADER", "")
AXES_CLIENT_IP_CALLABLE = "regie.core.login_limits.client_address"

# Second factor (django-otp, TOTP): whether new organisations require it of their
# administrators and finance officers (each organisation may change it; docs/security.md).
REGIE_REQUIRE_2FA_DEFAULT = os.environ.get("REGIE_REQUIRE_2FA_DEFAULT", "0") == "1"
OTP_TOTP_ISSUER = "Regie"

# Content-Security-Policy (regie.security.headers): only Regie's own scripts and styles.
REGIE_CSP_REPORT_ONLY = os.environ.get("REGIE_CSP_REPORT_ONLY", "0") == "1"
# Where people reach Regie from outside: the start of the online payment links that documents
# and e-mails carry (built in background jobs, with no request to take it from).
REGIE_PUBLIC_URL = os.environ.get("REGIE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("de", _("German"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = os.environ.get("REGIE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("REGIE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("REGIE_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("REGIE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("REGIE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("REGIE_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("REGIE_EMAIL_FROM", "regie@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("REGIE_LOG_LEVEL", "WARNING")},
}
