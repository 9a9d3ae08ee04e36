#!/usr/bin/env bash
# Run the whole suite on SQLite and, when a server answers, on PostgreSQL; say which ran.
# The two runs go side by side (one per core: each pytest is a single process), the
# PostgreSQL run in its own var directory so that neither touches the other's files; its
# output follows the SQLite run's. REGIE_TEST_SERIAL=1 runs them one after the other.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The suite always runs on the test settings, whatever the caller exported.
export DJANGO_SETTINGS_MODULE=regie.config.settings.test
PG_URL="${1:-postgresql://postgres@127.0.0.1:5432/test}"
PG_VAR="$PWD/var/postgres-run"
PG_LOG="$PG_VAR/pytest.log"
ran=()
status=0

pg_reachable() {
  "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}")
    sys.exit(1)
PY
}

pg_run() {
  # Pure tests need no database, and what a page says does not depend on it: the SQLite run
  # has them.
  REGIE_VAR_DIR="$PG_VAR" DATABASE_URL="$PG_URL" "$BIN/pytest" -m "not pure and not textual" "${@}"
}

pg_pid=""
if pg_reachable; then
  mkdir -p "$PG_VAR"
  if [ "${REGIE_TEST_SERIAL:-}" = 1 ]; then
    pg_serial=1
  else
    echo "== tests on PostgreSQL ($PG_URL) started beside SQLite; output in $PG_LOG, shown below"
    pg_run "${@:2}" >"$PG_LOG" 2>&1 &
    pg_pid=$!
  fi
else
  if [ -n "${REGIE_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL was required but is not reachable"
    status=1
  fi
fi

echo "== tests on SQLite"
DATABASE_URL= "$BIN/pytest" "${@:2}"
rc=$?
[ $rc -eq 0 ] || status=$rc
ran+=("SQLite (rc=$rc)")

if [ -n "$pg_pid" ]; then
  echo "== tests on PostgreSQL ($PG_URL)"
  tail -n +1 -f --pid="$pg_pid" "$PG_LOG"
  wait "$pg_pid"
  rc=$?
  [ $rc -eq 0 ] || status=$rc
  ran+=("PostgreSQL (rc=$rc)")
elif [ -n "${pg_serial:-}" ]; then
  echo "== tests on PostgreSQL ($PG_URL)"
  pg_run "${@:2}"
  rc=$?
  [ $rc -eq 0 ] || status=$rc
  ran+=("PostgreSQL (rc=$rc)")
fi
echo "== databases tested: ${ran[*]}"
exit $status
