# Regie — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= $(or $(REGIE_TEST_POSTGRES_URL),postgresql://postgres@127.0.0.1:5432/test)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres lint bench venv chromium messages clean

$(BIN)/regie: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/regie

venv: $(BIN)/regie

# The payment links of the demo's documents point at the address it is served on.
demo: venv
	$(BIN)/regie migrate --noinput -v 0
	REGIE_PUBLIC_URL=$${REGIE_PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/regie demo --url http://$(HOST):$(PORT)
	REGIE_PUBLIC_URL=$${REGIE_PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/regie serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium; install it when we can (root on Debian).
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: browser tests will be skipped"; }

test: venv chromium
	@bash scripts/test-all.sh "$(POSTGRES_URL)"

test-sqlite: venv
	DATABASE_URL= $(BIN)/pytest

test-postgres: venv
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Apps with a catalogue of their own (src/regie/<app>/locale): their strings go there, not in
# the central one (makemessages ignores every directory named locale, so each app runs alone).
APP_LOCALES = $(patsubst src/regie/%/locale,%,$(wildcard src/regie/*/locale))

messages: venv
	cd src/regie && ../../$(BIN)/regie makemessages -l fr -l nl -l de --no-obsolete --ignore "locale/*" $(foreach app,$(APP_LOCALES),--ignore "$(app)/*")
	for app in $(APP_LOCALES); do (cd src/regie/$$app && ../../../$(BIN)/regie makemessages -l fr -l nl -l de --no-obsolete) || exit 1; done
	cd src/regie && ../../$(BIN)/regie compilemessages

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf var/test.sqlite3 .pytest_cache
