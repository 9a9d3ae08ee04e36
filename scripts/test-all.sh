#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when a server answers; say which ran.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The suite always runs on the test settings, whatever the caller exported.
export DJANGO_SETTINGS_MODULE=regie.config.settings.test
PG_URL="${1:-postgresql://postgres@127.0.0.1:5432/test}"
ran=()
status=0

echo "== tests on SQLite"
DATABASE_URL= "$BIN/pytest" "${@:2}"
rc=$?
[ $rc -eq 0 ] || status=$rc
ran+=("SQLite (rc=$rc)")

if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}")
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL ($PG_URL)"
  # Pure tests need no database: they ran above already.
  DATABASE_URL="$PG_URL" "$BIN/pytest" -m "not pure" "${@:2}"
  rc=$?
  [ $rc -eq 0 ] || status=$rc
  ran+=("PostgreSQL (rc=$rc)")
else
  if [ -n "${REGIE_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL was required but is not reachable"
    status=1
  fi
fi
echo "== databases tested: ${ran[*]}"
exit $status
