# Two commands: `make run` starts the service with demo data, `make test` runs every test.
# Both create .venv from the pinned requirements.txt when needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
PORT ?= 8000
HOST ?= 127.0.0.1
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test venv lint typecheck check bench bench-realtime lock clean

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	exec $(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --no-access-log

# Browser tests run in their own pytest process (Playwright's event loop); without Chromium
# they are skipped with a message (apt-get install chromium fonts-noto-core to run them).
test: $(STAMP)
	@mkdir -p var
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests_browser $(PYTEST_BROWSER_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy support config

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Store -> agent socket latency with 200 customer sockets on Redis (bench/README.md).
bench-realtime: $(STAMP)
	$(BIN)/python bench/realtime.py

lock:
	$(BIN)/pip freeze --exclude-editable > requirements.txt

clean:
	rm -rf $(VENV) var staticfiles
