# The two commands of the README:
#   make run    set up everything (venv, packages, database, data) and serve http://127.0.0.1:8000
#   make test   set up everything and run the whole test suite (SQLite, then PostgreSQL)
# and: make bench (the benchmark), make loadtest (load and faults), make export (curated data back to fixtures/).

VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
STAMP  := $(VENV)/.installed-stamp

.PHONY: run setup test test-sqlite test-postgres lint bench loadtest export system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test,postgres]'
	touch $@

# data/ holds the secret key and the SQLite database: private, whatever the umask.
data/secret_key:
	umask 077 && mkdir -p data && chmod 700 data && \
		$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.new && mv $@.new $@

setup: $(STAMP) data/secret_key
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_codes
	$(PY) manage.py collectstatic --noinput --verbosity 0

# Production settings on loopback: DEBUG off, a per-checkout secret key, plain HTTP.
run: setup
	@echo
	@echo "  HTTP Status Code Reference: http://127.0.0.1:8000/   (Ctrl-C stops it)"
	@echo
	DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_SECRET_KEY="$$(cat data/secret_key)" \
		$(VENV)/bin/gunicorn --config statuscodes/gunicorn.conf.py

# Debian packages the tests drive for real: Chromium for the browser tests,
# PostgreSQL for the production database, wrk for the benchmark.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test-sqlite: $(STAMP) system-deps
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/pytest

test-postgres: $(STAMP) system-deps
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) scripts/with_postgres.py $(VENV)/bin/pytest

test: lint test-sqlite test-postgres

bench: setup system-deps
	$(PY) scripts/bench.py

# About 2.5 minutes: load, a worker killed, PostgreSQL stopped and restarted, giscus absent.
loadtest: setup system-deps
	$(PY) scripts/loadtest.py

export: $(STAMP)
	$(PY) manage.py export_codes

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
