# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test venv chat screenshots clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## Serve the bot, a chat simulator at http://127.0.0.1:8000/ and a queue worker.
run: venv
	$(PY) -m bot serve

## Chat with a running bot in the terminal.
chat: venv
	$(PY) -m bot chat

## Run every test against a real Redis (private one started when REDIS_URL does not answer).
test: venv
	$(PY) -m pytest -q

## Refresh the screenshots under docs/screenshots/ from the browser tests.
screenshots: venv
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q tests/test_simulator_browser.py tests/test_admin_browser.py

clean:
	rm -rf var .pytest_cache
