"""Test settings: fast hashing, in-memory e-mail, the database from DATABASE_URL or SQLite."""

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env

DATABASES = {"default": database_from_env(VAR_DIR / "test.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"
AXES_FAILURE_LIMIT = 3
REGIE_LOGIN_ADDRESS_FAILURE_LIMIT = 6

# Several test runs may share one PostgreSQL server (developers, CI, parallel sessions): give
# each run its own test database so that they never drop each other's.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    import os

    DATABASES["default"]["TEST"] = {"NAME": f"test_regie_{os.getpid()}"}
