"""gunicorn configuration used by `make run` and the benchmark.

Everything can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_WORKER_CLASS, GUNICORN_THREADS, GUNICORN_WORKER_CONNECTIONS,
GUNICORN_TIMEOUT), as gunicorn itself also
reads GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One more worker than the cores: pages are CPU-bound and served from cache (the
# benchmark measured 2n+1 slower at p99 on 2 cores).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# gevent for `make run`, the server people expose without nginx: each connection
# is a greenlet, so a client trickling its headers or its body holds a few KB of
# memory, never a thread. With threads (gthread), 150 such clients took every
# thread of every worker and ordinary requests waited for ever (`make loadtest`
# and tests/test_deploy.py measure 150). Django, SQLite, psycopg (3.1.14 on) and
# redis-py all cooperate with gevent's patched sockets and locks.
# Behind nginx (deploy/), which reads whole requests before passing them on, the
# service uses gthread with a few threads (deploy/statuscodes@.service).
# Each thread or greenlet may hold a database connection: with PostgreSQL keep
# instances x workers x threads under max_connections.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
threads = int(os.environ.get("GUNICORN_THREADS", "16"))  # gthread only
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))  # gevent
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Short: an idle kept-alive connection costs a file descriptor only, but a client
# that opened many should not keep them long.
keepalive = 2
# Recycle workers now and then so any slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))  # 0: never
max_requests_jitter = 2000
# GUNICORN_ACCESSLOG="" turns the access log off (the benchmark does).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# The client's own address: nginx's X-Forwarded-For when behind it, else the peer.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s - [%(t)s] "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "statuscodes.wsgi:application"
# We don't use gunicornc; its socket path is shared by every gunicorn of the user.
control_socket_disable = True


def post_worker_init(worker):
    """Load the data as the worker starts, not on its first request.

    A worker that has loaded the data serves readers through a database outage
    (reference.catalogue); one that never served a request before the outage
    would have nothing to serve. The first request is faster, too, and so is the
    first search: its index is built here (later versions' reuse most of it).
    """
    from django.db import DatabaseError, connections

    from reference import catalogue

    try:
        catalogue.current().index  # noqa: B018 -- built now, not by a reader's first search
    except DatabaseError as error:  # not answering yet: the first request tries again
        worker.log.warning("Data not loaded at start (the database did not answer): %s", error)
    finally:
        connections.close_all()  # the request threads open their own
