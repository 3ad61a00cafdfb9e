# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SMARTCITY := $(BIN)/smartcity
PORT ?= 8000
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=build --ignore=benchmarks --ignore=scripts

.PHONY: run test install install-dev translations lint pytest system-packages vendor messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(SMARTCITY) compile-translations

run: install
	$(SMARTCITY) migrate --no-input
	$(SMARTCITY) demo
	@echo ""
	@echo "  Smart City Dresden is running at http://127.0.0.1:$(PORT)/  (Ctrl+C stops it)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(SMARTCITY) worker & \
	SMARTCITY_BIND=127.0.0.1:$(PORT) $(SMARTCITY) serve

# The tests need Debian's chromium (browser tests) and gettext (the translation check).
system-packages:
	@test -x /usr/bin/chromium -a -x /usr/bin/xgettext || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gettext; \
	  else echo "make test needs: sudo apt-get install chromium gettext"; exit 1; fi; }

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pytest: install-dev system-packages
	$(BIN)/pytest $(PYTEST_ARGS)

test: install-dev system-packages lint pytest

# Refresh the German catalogue after changing UI strings, then translate the new entries.
messages: $(VENV)/.installed
	$(SMARTCITY) makemessages -l de $(MESSAGES_IGNORE)

# Front-end libraries are vendored from the npm registry at pinned versions
# (package.json); this refreshes smartcity/core/static/vendor/. Needs node and npm.
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	node scripts/vendor.mjs

clean:
	rm -rf $(VENV) var
