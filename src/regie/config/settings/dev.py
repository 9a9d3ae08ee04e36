"""Local development and the demo: debug on, embedded SQLite unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F403

DEBUG = True
