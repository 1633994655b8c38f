# The two commands of the README:
#   make run    set up everything (venv, packages, database, data) and serve http://127.0.0.1:8000
#   make test   set up everything and run the whole test suite (SQLite, then PostgreSQL)
# and: make bench (the benchmark), make instructions (its noise-free part),
#      make cache-memory (page cache growth per worker),
#      make loadtest (load under wrk), make export (curated data back to fixtures/).

VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
STAMP  := $(VENV)/.installed-stamp

.PHONY: run setup test test-sqlite test-postgres coverage lint bench instructions cache-memory loadtest deploy export system-deps clean

# Debian splits `python3 -m venv` into the python3-venv package.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "Installing Debian package: python3-venv"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
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
# PostgreSQL for the production database, wrk for the benchmark, Java for the
# Nu HTML checker (tests/test_checkers.py), Node.js to parse and run the Express
# snippets, nginx and Redis for the production topology (deploy/) and scripts/cache_memory.py,
# valgrind for `make instructions`; curl (HTTP/2), openssl (a test certificate)
# and systemd-analyze (the unit's sandbox) for the deploy tests.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

# Everything, third-party checkers included (they serve their own SQLite copy,
# so the PostgreSQL run leaves them out).
test-sqlite: $(STAMP) system-deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# The same suite on PostgreSQL, but for what does not depend on the database:
# the checkers and deploy tests bring their own, and of the browser tests only
# the editors' (saves at the same moment) exercise it; the others run on SQLite.
test-postgres: $(STAMP) system-deps
	$(PY) scripts/with_postgres.py $(VENV)/bin/pytest -n 2 --dist loadgroup \
		-m "not checkers and not deploy and (not browser or editors)"

test: lint test-sqlite test-postgres

# The SQLite pass with line coverage of the project's code (report in the terminal).
coverage: $(STAMP) system-deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup --cov=reference --cov=statuscodes --cov-report=term:skip-covered

# About four minutes: wrk -t2 -c32, 3 s per row, every row five times in turn (medians).
bench: setup system-deps
	$(PY) scripts/bench.py

# About two minutes: instructions per request under valgrind, which no neighbour disturbs.
instructions: setup system-deps
	$(PY) scripts/instructions.py

# About ten minutes on 2 cores: 10,000 unique queries against one worker, LocMem then Redis.
cache-memory: setup system-deps
	$(PY) scripts/cache_memory.py

# About 2 minutes: wrk on a mix of pages and searches, worker memory. The fault drills
# are tests on the deploy stack (tests/test_deploy.py).
loadtest: setup system-deps
	$(PY) scripts/loadtest.py

# The production topology of deploy/ on loopback (nginx, two gunicorns, PostgreSQL,
# Redis) until Ctrl-C; tests/test_deploy.py starts the same.
deploy: setup system-deps
	$(PY) scripts/with_postgres.py $(PY) scripts/stack.py

export: $(STAMP)
	$(PY) manage.py export_codes

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
