"""Run each benchmark operation in a fresh process per database; print a markdown table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.operations import OPERATIONS

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    """Return a URL of a scratch PostgreSQL database, or None when no server answers."""
    base = os.environ.get("REGIE_BENCH_POSTGRES_URL") or os.environ.get(
        "REGIE_TEST_POSTGRES_URL", DEFAULT_PG
    )
    try:
        import psycopg

        with psycopg.connect(base, connect_timeout=3, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS regie_bench")
            conn.execute("CREATE DATABASE regie_bench")
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    return base.rsplit("/", 1)[0] + "/regie_bench"


def main() -> int:
    databases = [("SQLite", lambda: "")]
    if postgres_url():
        databases.append(("PostgreSQL", postgres_url))
    rows = []
    for label, fresh_database in databases:
        for name in OPERATIONS:
            url = fresh_database()  # every operation starts from an empty database
            env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.settings")
            done = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "bench.run", name],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                rows.append((name, label, "error", "", "", ""))
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rate = result["items"] / result["seconds"] if result["seconds"] else 0
            rows.append(
                (
                    name,
                    label,
                    f"{result['items']:,}",
                    f"{result['seconds']:.2f}",
                    f"{rate:,.0f}",
                    f"{result['peak_mb']:.0f}",
                )
            )
    print("| operation | database | items | seconds | items/s | peak MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 1 if any(r[2] == "error" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
