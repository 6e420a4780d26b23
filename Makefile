# The project's vocabulary: make demo, make test, make lint, make bench.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The benchmark talks to the same server over its local socket, as a web process beside it would.
BENCH_PG_URL ?= postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test
HOST ?= 127.0.0.1
PORT ?= 8000
# Plaint refuses to start without a secret key of its own unless PLAINT_DEBUG is on: the demo runs with debug
# on (the development key), the tests take a test-only key from pyproject.toml, the benchmarks this one.
BENCH_ENV := PLAINT_DATABASE_URL=$(BENCH_PG_URL) PLAINT_SECRET_KEY=bench-only-key-not-for-any-deployment-5e2b8c0d \
	PLAINT_DOSSIER_SIGNING_KEY=YmVuY2gtb25seS1kb3NzaWVyLWtleS01ZTJiOGMwZDQ=

.PHONY: install migrate demo demo-reset test test-sqlite test-postgres lint format bench soak messages

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	PLAINT_DEBUG=1 $(PY) manage.py migrate --noinput

# Serves the demo marketplace on http://127.0.0.1:8000 with the worker in-process.
demo: migrate
	PLAINT_DEBUG=1 $(PY) manage.py load_demo
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
	$(BENCH_ENV) $(PY) -m bench.intake
	$(BENCH_ENV) $(PY) -m bench.instructions
	$(BENCH_ENV) $(PY) -m bench.standing
	$(BENCH_ENV) $(PY) -m bench.delivery
	$(BENCH_ENV) $(PY) -m bench.review_pages
	$(BENCH_ENV) $(PY) -m bench.portal_pages
	$(BENCH_ENV) $(PY) -m bench.uploads
	$(BENCH_ENV) $(PY) -m bench.object_storage
	$(BENCH_ENV) $(PY) -m bench.committee
	$(BENCH_ENV) $(PY) -m bench.transparency
	$(BENCH_ENV) $(PY) -m bench.appeal_pages
	$(BENCH_ENV) $(PY) -m bench.scale
	$(BENCH_ENV) $(PY) -m bench.forensics
	$(BENCH_ENV) $(PY) -m bench.screening
	$(BENCH_ENV) $(PY) -m bench.triage
	$(BENCH_ENV) $(PY) -m bench.simulation
	$(BENCH_ENV) $(PY) -m bench.auto_rules
	$(BENCH_ENV) $(PY) -m bench.past_buyers

# Soak and faults (not part of make test or make bench): two web processes and two workers under mixed
# traffic for ten minutes, one of each killed with -9 every minute; prints acknowledged vs stored reports,
# duplicate cases, deliveries and the error rate (docs/benchmarks.md, "Soak and faults").
soak: install
	$(BENCH_ENV) $(PY) -m bench.soak $(SOAK_ARGS)

# Re-extract the pages' texts into the Chinese catalog and compile it (needs gettext). Commit both the
# .po and the .mo: make demo runs without gettext.
messages: install
	PLAINT_DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	PLAINT_DEBUG=1 $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=var
