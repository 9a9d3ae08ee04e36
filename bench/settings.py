"""Benchmark settings: production-like, the database from DATABASE_URL or a scratch SQLite."""

from regie.config.settings.base import *  # noqa: F403
from regie.config.settings.base import VAR_DIR, database_from_env

DEBUG = False
DATABASES = {"default": database_from_env(VAR_DIR / "bench.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
