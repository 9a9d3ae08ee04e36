"""The ``regie`` command: Django's management commands with Regie's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command (``regie migrate``, ``regie demo``, ``regie worker``...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["regie", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
