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
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

import bench  #  (server start/stop on a free port)

GOAL_MB = 30
WARMUP = 500
CLIENTS = 4
WORDS = ["timeout", "redirect", "gateway", "not", "teapot", "auth", "rate", "gone", "proxy"]


def worker_pid(master_pid, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def send(port, start, count):
    """``count`` unique requests over one keep-alive connection; returns non-200 count."""
    failures = 0
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    for number in range(start, start + count):
        word = WORDS[number % len(WORDS)]
        headers = {"Accept-Encoding": "gzip"}
        if number % 2:
            headers["HX-Request"] = "true"
        connection.request("GET", f"/?q={word}&n={number}", headers=headers)
        response = connection.getresponse()
        response.read()
        failures += response.status != 200
    connection.close()
    return failures


def hammer(port, start, count):
    share = count // CLIENTS
    with ThreadPoolExecutor(CLIENTS) as pool:
        jobs = [pool.submit(send, port, start + i * share, share) for i in range(CLIENTS)]
        return sum(job.result() for job in jobs)


def measure(label, requests, extra_env):
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log_file:
        process = bench.start_server(
            port,
            log_file,
            "statuscodes.settings",
            {"WEB_CONCURRENCY": "1", "GUNICORN_MAX_REQUESTS": "0", **extra_env},
        )
        try:
            bench.wait_until_up(process, base, Path(log_file.name))
            pid = worker_pid(process.pid)
            failures = hammer(port, 0, WARMUP)
            before = rss_mb(pid)
            started = time.monotonic()
            failures += hammer(port, WARMUP, requests)
            elapsed = time.monotonic() - started
            after = rss_mb(pid)
        finally:
            bench.stop_server(process)
    os.unlink(log_file.name)
    growth = after - before
    verdict = "ok" if growth < GOAL_MB and not failures else "MISSED"
    print(
        f"{label:<8} RSS {before:6.1f} MB -> {after:6.1f} MB after {requests} unique queries: "
        f"growth {growth:+6.1f} MB (goal < {GOAL_MB}) {verdict}; "
        f"{failures} failed requests; {requests / elapsed:.0f} requests/s",
        flush=True,
    )
    return verdict == "ok"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--backends", default="locmem,redis", help="comma-separated")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if not (bench.BASE_DIR / "data" / "db.sqlite3").exists():
        bench.fail("data/db.sqlite3 is missing: run `make setup` first.")
    redis = shutil.which("redis-server")
    if not redis:
        bench.fail("redis-server is not installed (Debian: redis-server, or `make system-deps`).")

    ok = measure("LocMem", args.requests, {}) if "locmem" in backends else True
    if "redis" not in backends:
        sys.exit(0 if ok else 1)
    redis_port = bench.free_port()
    with tempfile.TemporaryDirectory(prefix="cache-memory-") as tmp:
        server = subprocess.Popen(
            [
                redis,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                tmp,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            time.sleep(0.5)
            ok = (
                measure("Redis", args.requests, {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"})
                and ok
            )
            print(f"redis-server RSS {rss_mb(server.pid):.1f} MB (entries expire by TTL)")
        finally:
            server.terminate()
            server.wait(timeout=10)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
