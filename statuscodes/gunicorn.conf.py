"""gunicorn configuration used by `make run` and the benchmark.

Everything can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_WORKER_CLASS, GUNICORN_THREADS, GUNICORN_TIMEOUT), as gunicorn itself also
reads GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One more worker than the cores: pages are CPU-bound and served from cache (the
# benchmark measured 2n+1 slower at p99 on 2 cores).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# Threads, not sync workers: a sync worker belongs to one client until that client has
# sent its whole request, so four clients trickling their headers took the site down
# (gunicorn has no header-read timeout). A gthread worker leaves idle connections to
# its poller, but a thread reading a trickled request is still held, so there are
# threads to spare: `make loadtest` checks 16 trickling clients. Not more than that:
# the threads of a worker share one interpreter lock, and 32 of them gave the
# benchmark a fatter tail (p99) and fewer requests/s than 16. Behind nginx
# (deploy/), which buffers whole requests, 4 are plenty.
# Each thread may hold a database connection: with PostgreSQL keep
# instances x workers x threads under max_connections.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
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
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "statuscodes.wsgi:application"
# We don't use gunicornc; its socket path is shared by every gunicorn of the user.
control_socket_disable = True
