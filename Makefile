# The two commands: `make run` serves the portal on SQLite, `make test` runs the whole suite.
# Both create .venv and install the pinned set on first use. Python 3.11 is required.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := PORTAL_CONFIG=development FLASK_APP=portal:create_app $(BIN)/flask
HOST ?= localhost
PORT ?= 5000
MAIL_PORT ?= 1025
# Where the portal answers: the web server builds its pages' links from it, and the worker the
# links in every email (a broadcast's messages are written by the worker).
BASE_URL := http://$(HOST):$(PORT)

.PHONY: run test lint format assets lock clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 with venv, or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements-dev.lock | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

# The web server, the outbox worker and a local SMTP sink that prints every email and keeps it in
# instance/mail/. Ctrl+C stops all three.
run: $(VENV)/.installed
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed
	@$(FLASK) users dev-admin
	@echo "Serving the portal at $(BASE_URL)/ (Ctrl+C stops it)"
	@echo "Every email the portal sends is printed below and kept in instance/mail/"
	@trap 'kill 0' INT TERM EXIT; \
	  $(FLASK) outbox sink --port $(MAIL_PORT) & \
	  BASE_URL=$(BASE_URL) MAIL_PORT=$(MAIL_PORT) $(FLASK) outbox work & \
	  BASE_URL=$(BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q --severity-level medium -c pyproject.toml -r portal config.py wsgi.py

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild static/ from the pinned npm packages (the built files are committed: running the
# portal needs no Node).
assets:
	npm ci --no-audit --no-fund
	npx sass --load-path=node_modules --style=compressed --no-source-map assets/scss/portal.scss static/css/portal.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/govuk-frontend.min.js
	cp node_modules/axe-core/axe.min.js tests/browser/axe.min.js

# Re-resolve the pinned sets from pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	$(PYTHON) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"]))' > .lock-venv/runtime.in
	$(PYTHON) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["optional-dependencies"]["dev"]))' > .lock-venv/dev.in
	.lock-venv/bin/pip install --quiet -r .lock-venv/runtime.in
	( echo "# Pinned runtime set, resolved from pyproject.toml's dependencies by \`make lock\`."; .lock-venv/bin/pip freeze ) > requirements.lock
	.lock-venv/bin/pip install --quiet -r .lock-venv/dev.in
	( echo "# Pinned runtime and development set (tests, lint), resolved by \`make lock\`."; .lock-venv/bin/pip freeze ) > requirements-dev.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
