# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test venv model chat screenshots clean bench chaos soak wrk

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## The router's model, trained from content/intent_examples*.jsonl, and its segmenter's user words (both cached in var/; seconds when new).
model: venv
	$(PY) -m bot intent train

## Serve the bot, a chat simulator at http://127.0.0.1:8000/ and a queue worker.
run: model
	$(PY) -m bot serve

## Chat with a running bot in the terminal.
chat: venv
	$(PY) -m bot chat

## Run every test against a real Redis (a private one per worker): two pytest-xdist workers, each
## test file whole on one worker (its browser and module set-up are started once).
test: model
	$(PY) -m pytest -q -n 2 --dist loadfile

## Refresh the screenshots under docs/screenshots/ from the browser tests.
screenshots: venv
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q tests/test_simulator_browser.py tests/test_admin_browser.py tests/test_pages_browser.py

clean:
	rm -rf var .pytest_cache

## Benchmarks, each printing its table for docs/benchmarks.md (under 15 minutes on 2 cores): the webhook
## under gunicorn against the WeRoBot peer and a bare handler (wrk), the router, members at 1,000,000, job search, delivery, replication loss window.
bench: venv wrk
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/bench_webhook.py
	$(PY) bench/bench_router.py
	$(PY) bench/bench_members.py
	$(PY) bench/bench_jobs.py
	$(PY) bench/bench_delivery.py
	$(PY) bench/bench_pay_notify.py
	$(PY) bench/bench_page_weight.py
	$(PY) bench/bench_replication.py

## wrk drives the webhook benchmark: installed here when missing (as root with apt-get); without it the
## benchmark falls back to its own Python load generator and says so.
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -q && apt-get install -y -q wrk; } \
		|| echo "wrk not found (install it: sudo apt-get install wrk); using the Python load generator"

## Faults under real load for about 5 minutes: Redis restarted and killed, SQLite locked past the reply
## budget, the WeChat API failing, a web worker killed. Exits 1 if any scenario fails.
chaos: venv
	$(PY) bench/chaos.py

## Ten minutes at 100 messages/s against gunicorn; RSS and open files of every process at start and end.
soak: venv
	$(PY) bench/soak.py
