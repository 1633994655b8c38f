"""Per-worker memory growth from the page cache: 10,000 unique queries, LocMem and Redis.

    .venv/bin/python scripts/cache_memory.py [--requests 10000]

Starts gunicorn as ``make run`` does (production settings, the SQLite database
of ``make setup``) with ONE worker that never recycles, warms it up with 500
unique queries, then sends N more unique queries (each a page-cache miss that
gets stored: a live-search partial or a full page for a real word, made unique
by a parameter the view ignores) and reports the worker's RSS growth. Then the
same with ``REDIS_URL`` pointing at a redis-server it starts on a free loopback
port (Debian's ``redis-server``), where the worker should not grow at all.

Goal: growth < 30 MB per worker. Prints the figures; exit code 1 if a goal is missed.
``--backends redis`` (or ``locmem``) measures one only; a run of both takes about
ten minutes on a quiet 2-core machine.
"""

import argparse
import os
import shutil
import sys
import tempfile

import harness  #  (scripts/harness.py: server start/stop, worker memory, the flood)
from harness import BASE_DIR, fail

GOAL_MB = 30
WARMUP = 500
CLIENTS = 4
WORDS = ["timeout", "redirect", "gateway", "not", "teapot", "auth", "rate", "gone", "proxy"]


def unique_queries(start, count):
    """Live searches for real words made unique by a parameter the view ignores; every
    other one the htmx partial, the rest full pages: each a page-cache miss, stored."""
    return [
        (
            f"/?q={WORDS[number % len(WORDS)]}&n={number}",
            {"HX-Request": "true"} if number % 2 else {},
        )
        for number in range(start, start + count)
    ]


def measure(label, requests, extra_env):
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log_file:
        process = harness.start_server(
            port,
            log_file,
            extra_env={"WEB_CONCURRENCY": "1", "GUNICORN_MAX_REQUESTS": "0", **extra_env},
        )
        try:
            harness.wait_for_url(base + "/", process, log_file.name)
            if harness.wait_for_workers(process.pid, 1, 30) is None:
                raise RuntimeError("gunicorn started no worker")
            (pid,) = harness.workers_of(process.pid)
            failures = harness.flood(base, unique_queries(0, WARMUP), CLIENTS)["failed"]
            before = harness.rss_mb(pid)
            flood = harness.flood(base, unique_queries(WARMUP, requests), CLIENTS)
            after = harness.rss_mb(pid)
        finally:
            harness.stop(process)
    os.unlink(log_file.name)
    failures += flood["failed"]
    growth = after - before
    verdict = "ok" if growth < GOAL_MB and not failures else "MISSED"
    print(
        f"{label:<8} RSS {before:6.1f} MB -> {after:6.1f} MB after {requests} unique queries: "
        f"growth {growth:+6.1f} MB (goal < {GOAL_MB}) {verdict}; "
        f"{failures} failed requests; {requests / flood['seconds']:.0f} requests/s",
        flush=True,
    )
    return verdict == "ok"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--backends", default="locmem,redis", help="comma-separated")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if not (BASE_DIR / "data" / "db.sqlite3").exists():
        fail("data/db.sqlite3 is missing: run `make setup` first.")
    if "redis" in backends and not shutil.which("redis-server"):
        fail("redis-server is not installed (Debian: redis-server, or `make system-deps`).")

    ok = measure("LocMem", args.requests, {}) if "locmem" in backends else True
    if "redis" not in backends:
        return 0 if ok else 1
    redis_port = harness.free_port()
    with tempfile.TemporaryDirectory(prefix="cache-memory-") as tmp:
        server = harness.start_redis(tmp, redis_port)
        try:
            url = f"redis://127.0.0.1:{redis_port}/0"
            ok = measure("Redis", args.requests, {"REDIS_URL": url}) and ok
            print(f"redis-server RSS {harness.rss_mb(server.pid):.1f} MB (entries expire by TTL)")
        finally:
            harness.stop(server)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as error:
        fail(str(error))
