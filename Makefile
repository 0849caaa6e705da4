# Two commands set a machine up: `make run` (the service with demo data) and `make test`.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test services browser format clean

$(VENV)/.installed: requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $@

# Stable local secrets, written once: API keys are digested and encrypted with the second.
# (An older .env without TRAILMARK_KEY_SECRET still works: keys then derive from SECRET_KEY.)
.env:
	@echo "SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "TRAILMARK_KEY_SECRET=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" >> $@
	@echo "wrote a new SECRET_KEY and TRAILMARK_KEY_SECRET to .env"

services:
	@scripts/ensure-services.sh

# Debian's Chromium for the tracker's real-browser tests (driven by Playwright for Python).
# Required under CI; elsewhere those tests skip when it cannot be installed.
browser:
	@scripts/ensure-browser.sh || [ -z "$$CI" ]

run: export DJANGO_SETTINGS_MODULE ?= analytics_site.settings.dev
run: export TRAILMARK_PUBLIC_URL ?= http://localhost:$(PORT)
run: $(VENV)/.installed .env services
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py seed_demo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start --port $(PORT)

test: export DJANGO_SETTINGS_MODULE ?= analytics_site.settings.test
test: $(VENV)/.installed services browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
