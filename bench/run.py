"""Run one benchmark operation on a freshly migrated database; print its figures as JSON."""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def main(name: str) -> None:
    import django

    if not os.environ.get("DATABASE_URL"):
        from pathlib import Path

        from bench.settings import VAR_DIR

        for suffix in ("", "-wal", "-shm"):
            Path(f"{VAR_DIR / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
    django.setup()
    from django.core.management import call_command

    from bench.operations import OPERATIONS

    call_command("migrate", verbosity=0)
    prepare, measure = OPERATIONS[name]
    state = prepare()
    started = time.perf_counter()
    items = measure(state)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"items": items, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main(sys.argv[1])
