# 红链 portal — the two everyday commands are `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WEB_PORT ?= 8000
export WEB_PORT

.PHONY: run test setup setup-dev assets messages browser lint format demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

messages: $(VENV)/.runtime
	@command -v msgfmt >/dev/null || { echo "gettext (msgfmt) is missing: apt-get install gettext"; exit 1; }
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules --verbosity 0

setup: $(VENV)/.runtime assets messages

setup-dev: $(VENV)/.dev assets messages

# Browser tests drive Debian's Chromium; never a downloaded browser.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
	  else echo "Chromium is missing: sudo apt-get install chromium fonts-wqy-microhei"; exit 1; fi; \
	fi

## Set everything up and run the portal on the embedded default (SQLite + filesystem broker).
run: setup
	mkdir -p var/staticfiles
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input --verbosity 0
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo
	@echo "Portal: http://127.0.0.1:$(WEB_PORT)/   admin: http://127.0.0.1:$(WEB_PORT)/admin/"
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_DEBUG=true $(BIN)/honcho start -f Procfile.dev

## Set everything up and run the whole test suite.
test: setup-dev browser
	$(BIN)/pytest -n 2

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layering (pyproject.toml, docs/architecture.md)

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var/db.sqlite3 var/celery var/celerybeat-schedule* var/staticfiles
