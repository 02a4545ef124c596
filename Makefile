# SIP Tracker: `make run` serves the app, `make test` runs the whole suite. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000

.PHONY: run test setup install translations messages bench bench-load mutants lint clean

# A development machine installs what production runs (requirements.txt) and the test tools (requirements-dev.txt).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

translations: install
	$(VENV)/bin/pybabel compile -d sip/translations 2>&1 | grep -v "^compiling" || true

setup: translations
	$(FLASK) sip setup --demo

# The background worker (mail, reminders, digests) runs beside the web server and stops with it (Ctrl-C): asked to
# finish what it holds (SIGINT), then told to stop (SIGTERM) after five seconds.
run: setup
	$(FLASK) sip formats
	@$(FLASK) sip worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $$worker 2>/dev/null || break; \
	      sleep 0.5; done; kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Both passes run in parallel, one pytest-xdist worker per core (TEST_WORKERS=0 runs in one process); each test file
# stays on one worker (--dist loadfile), so that its module-scoped fixtures are built once. The slowest tests are
# listed at the end of each pass, to keep the run inside the CI budget. Tests marked `markup` (accessibility, small
# screens: what they check is the same on every database) run in the SQLite pass only.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=40

test: setup
	@if [ "$$SIP_REQUIRE_POSTGRES" = 1 ] && [ -z "$$SIP_TEST_POSTGRES_URL" ]; then \
	  echo "SIP_REQUIRE_POSTGRES=1 but SIP_TEST_POSTGRES_URL is not set"; exit 1; fi
	@echo "== tests on SQLite"
	$(PYTEST)
	@if [ -n "$$SIP_TEST_POSTGRES_URL" ]; then \
	  echo "== tests on PostgreSQL"; \
	  SIP_TEST_DATABASE_URL="$$SIP_TEST_POSTGRES_URL" $(PYTEST) -m "not markup"; fi

# For developers: extract UI strings and update both catalogues (then translate the new French entries).
messages: install
	$(VENV)/bin/pybabel extract -F sip/babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o sip/translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i sip/translations/messages.pot -d sip/translations --no-fuzzy-matching --ignore-obsolete
	$(PY) -m sip.core.catalogues

bench: setup
	$(PY) bench/run.py

bench-load: setup
	$(PY) bench/load.py

# Plant bugs and count how many the tests catch (mutmut; slow, so not in CI): every configured module, or some with
# `make mutants MODULES="sip/bodies/permissions.py sip/plan/permissions.py"`. Scores go to bench/RESULTS.md.
mutants: setup
	$(PY) bench/mutation/run.py $(MODULES)

# ruff (with its security rules), bandit and pip-audit --strict; the tools live in .venv-tools.
lint:
	bash .ci/lint

clean:
	rm -rf $(VENV) .venv-tools instance .pytest_cache
