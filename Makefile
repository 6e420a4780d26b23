# The project's vocabulary: make demo, make test, make lint, make bench.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The benchmark talks to the same server over its local socket, as a web process beside it would.
BENCH_PG_URL ?= postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install migrate demo demo-reset test test-sqlite test-postgres lint format bench messages

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# Serves the demo marketplace on http://127.0.0.1:8000 with the worker in-process.
demo: migrate
	$(PY) manage.py load_demo
	PLAINT_DEMO=1 PLAINT_DEBUG=1 PLAINT_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend \
		$(PY) manage.py serve $(HOST):$(PORT)

demo-reset:
	rm -rf var/

test: test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	PLAINT_DATABASE_URL=$(PG_URL) $(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.intake
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.instructions
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.standing
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.delivery
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.review_pages
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.portal_pages
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.uploads
	PLAINT_DATABASE_URL=$(BENCH_PG_URL) $(PY) -m bench.committee

# Re-extract the pages' texts into the Chinese catalog and compile it (needs gettext). Commit both the
# .po and the .mo: make demo runs without gettext.
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=var
