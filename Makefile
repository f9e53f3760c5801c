# pointsbank — the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
export PATH := $(abspath $(BIN)):$(PATH)
PB_PORT ?= 5000
VENDOR := pointsbank/static/vendor

.PHONY: run test install install-dev vendor translations migrate seed bench lint browser-deps serve

run: install vendor translations migrate seed serve

# The scheduler (`flask jobs run`) runs beside the development server and stops with it.
serve:
	@$(BIN)/flask jobs run & jobs=$$!; trap 'kill $$jobs 2>/dev/null; wait $$jobs 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PB_PORT)

test: install-dev vendor translations browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Third-party front-end code comes from the npm registry, never pasted into the tree.
vendor: $(VENDOR)/.stamp
$(VENDOR)/.stamp: package.json
	npm install --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/jsqr/dist/jsQR.js $(VENDOR)/jsQR.js
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe.min.js
	cp node_modules/qrcode-generator/dist/qrcode.js $(VENDOR)/qrcode.js
	cp node_modules/swagger-ui-dist/{swagger-ui.css,swagger-ui-bundle.js,swagger-ui-standalone-preset.js} $(VENDOR)/swagger-ui/
	touch $@

translations: install
	$(BIN)/python -m pointsbank.i18n_tool compile

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed-demo

# Debian's Chromium for the browser suite; CI installs it, elsewhere it is optional.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$CI" = "true" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

bench: install-dev
	$(BIN)/python -m bench.run

lint: install-dev
	$(BIN)/ruff check pointsbank tests bench
	$(BIN)/ruff format --check pointsbank tests bench
