"""Load and fault test of the production configuration: gunicorn + Django, driven by wrk.

Run by ``make loadtest`` (after ``make setup`` and ``make system-deps``). Loopback only,
bounded in time, stops by itself; prints a table of checks and exits 1 if any failed.

1. Load: wrk -t2 -c64 for LOAD_DURATION seconds (default 60) with a Lua script that
   picks each request from a mix of pages, searches, the htmx partial and /999/ (an
   expected 404). Errors = socket errors + 5xx + other 4xx + 404s beyond the /999/
   requests sent; PASS needs 0. Each worker's RSS (VmRSS) is sampled after a 10 s
   warm-up and at the end; PASS needs growth <= 10 % per worker.
2. Worker killed under load: wrk -c32 for 20 s, one worker SIGKILLed at ~10 s. gunicorn
   must bring the worker count back within a few seconds; failed requests must not
   exceed what that worker could have had in flight; the site answers 200 afterwards.
3. Database fault: a gunicorn against a throwaway PostgreSQL (scripts/with_postgres.py,
   which runs this file again with --database-fault), migrated and loaded; PostgreSQL is
   stopped (503 with the friendly page, quickly), then started again on the same data
   directory and port (200 again by itself, without restarting gunicorn).
   While it is stopped, readers keep reading: pages and new searches answer 200 from
   the last data each worker loaded, with the outage notice; /healthz (liveness) and
   /readyz (ready: data loaded; its body says the database is not answering) answer 200.
4. Giscus unreachable: with dummy GISCUS_* settings, /404/ is complete (the example and
   the .giscus container); the server never contacts giscus.app.
5. Slow clients: 150 connections trickle their headers (one line every 2 s, never done)
   while ordinary requests are timed (scripts/trickle.py); PASS needs >= 95 % answered
   200 within 2 s.
6. Memory under a unique-URL flood: 10,000 requests for distinct URLs (code pages with a
   distinct search to go back to, each a rendering of its own, and one in ten a distinct
   search); each worker's RSS before and after; PASS needs growth < 30 MB per worker. Once with the
   per-process cache (LocMem, as `make run`) and once with a Redis cache (REDIS_URL,
   Debian's redis-server on a free port), as in the deploy/ topology.

Checks 1, 2, 4, 5 and 6 (LocMem) share one gunicorn on the SQLite database of `make setup`,
with the production settings, the dummy GISCUS_* values and the access log off. Server
logs go to bench-results/loadtest-*.log; the figures also to bench-results/loadtest.json.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import bench  #  (scripts/bench.py: server start/stop, fetch, wrk output parsing)
import trickle  #  (scripts/trickle.py: slow clients)
import with_postgres  # noqa: E402  (scripts/with_postgres.py: the throwaway PostgreSQL)

BASE_DIR = bench.BASE_DIR
LOG_DIR = BASE_DIR / "bench-results"

LOAD_DURATION = int(os.environ.get("LOAD_DURATION", "60"))
LOAD_CONNECTIONS = 64
WARMUP = min(10, LOAD_DURATION // 2)  # seconds of load before the first memory sample
MAX_RSS_GROWTH = 0.10
KILL_DURATION = 20
KILL_AT = 10
KILL_CONNECTIONS = 32
REPLACE_TIMEOUT = 10  # seconds for gunicorn to replace a killed worker
WRK_THREADS = 2
WRK_TIMEOUT = "5s"  # a response slower than this counts as a socket error (timeout)
OUTAGE_MAX_SECONDS = 5  # a 503 during the outage must come at least this fast
RECOVERY_TIMEOUT = 15  # seconds for 200 again after PostgreSQL is back
DATABASE_PHASE_TIMEOUT = 240

# Production settings, access log off (start_server already sets both), and no
# worker recycling: memory growth must be measured on workers that live the whole run.
SERVER_ENV = {"GUNICORN_ACCESSLOG": "", "GUNICORN_CMD_ARGS": "", "GUNICORN_MAX_REQUESTS": "0"}
GISCUS_ENV = {
    "GISCUS_REPO": "loadtest/dummy-repo",
    "GISCUS_REPO_ID": "R_loadtest_dummy",
    "GISCUS_CATEGORY": "Comments",
    "GISCUS_CATEGORY_ID": "DIC_loadtest_dummy",
}
FRIENDLY_503 = "Our database is not answering right now"
OUTAGE_NOTICE = "you are reading the reference as it was last loaded"
SLOW_CLIENTS = 150
SLOW_INTERVAL = 2.0  # seconds between a trickling client's header lines
SLOW_DURATION = 15
SLOW_MIN_SHARE = 0.95
FLOOD_REQUESTS = int(os.environ.get("FLOOD_REQUESTS", "10000"))
FLOOD_THREADS = 8
FLOOD_MAX_SECONDS = 240  # a loaded machine stops early; the figures say how many were sent
FLOOD_MAX_GROWTH_MB = 30

# The request mix (see LUA_SCRIPT for the weights).
PAGES = [
    "/",
    "/?q=not",
    "/?q=timeout&class=5xx",
    "/200/",
    "/301/",
    "/304/",
    "/404/",
    "/418/",
    "/429/",
    "/500/",
    "/503/",
]
WORDS = [
    "redirect",
    "cache",
    "teapot",
    "auth",
    "unauthorised",
    "forbidden",
    "gatway",
    "recieved",
    "conflict",
    "gone",
    "range",
    "proxy",
    "upgrade",
    "early",
    "created",
    "accepted",
    "partial",
    "moved",
    "payment",
    "legal",
    "toomanyrequests",
    "too+many",
    "rate+limit",
    "server+error",
    "notfound",
    "4",
    "50",
    "3xx",
    "timeout",
    "cloudflare",
]
MISSING = "/999/"  # the one page of the mix whose right answer is 404

LUA_SCRIPT = """\
-- Written by scripts/loadtest.py: a request mix, and the statuses counted per class.
local pages = {%(pages)s}
local words = {%(words)s}
local plain = {["Accept-Encoding"] = "gzip, br"}
local htmx = {["Accept-Encoding"] = "gzip, br", ["HX-Request"] = "true"}
local threads = {}
local counters = {"s2xx", "s3xx", "s404", "s4xx", "s5xx", "other", "missing_sent"}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(os.time() * 100 + id)
  plain["Host"] = wrk.headers["Host"]
  htmx["Host"] = wrk.headers["Host"]
  for _, name in ipairs(counters) do _G[name] = 0 end
end

function request()
  local r = math.random(100)
  if r <= 45 then
    return wrk.format("GET", pages[math.random(#pages)], plain)
  elseif r <= 75 then
    return wrk.format("GET", "/?q=" .. words[math.random(#words)], plain)
  elseif r <= 90 then
    return wrk.format("GET", "/?q=" .. words[math.random(#words)], htmx)
  end
  missing_sent = missing_sent + 1
  return wrk.format("GET", "%(missing)s", plain)
end

function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status == 404 then s404 = s404 + 1
  elseif status >= 400 then s4xx = s4xx + 1
  elseif status >= 300 then s3xx = s3xx + 1
  elseif status >= 200 then s2xx = s2xx + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local line = "loadtest-statuses"
  for _, name in ipairs(counters) do
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
    line = line .. " " .. name .. "=" .. total
  end
  io.write(line .. "\\n")
end
"""


FIGURES = {}  # written to bench-results/loadtest.json


@dataclass
class Row:
    section: int
    check: str
    ok: bool
    figures: str


def lua_list(items):
    return ", ".join(json.dumps(item) for item in items)


def write_lua_script(directory):
    path = Path(directory) / "mix.lua"
    path.write_text(
        LUA_SCRIPT % {"pages": lua_list(PAGES), "words": lua_list(WORDS), "missing": MISSING}
    )
    return path


def in_flight_per_worker(config):
    worker_class = config.get("worker_class", "sync")
    if worker_class == "sync":
        return 1  # a sync worker accepts one connection, serves it, then accepts the next
    if worker_class == "gthread":
        return int(config.get("threads", 1))
    return int(config.get("worker_connections", 1000))


# --- processes ------------------------------------------------------------------------


def workers_of(master_pid):
    """Live (not zombie) children of the gunicorn master, from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == master_pid and state != "Z":
            pids.append(int(entry))
    return sorted(pids)


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def wait_for_workers(master_pid, count, timeout, gone=()):
    """Seconds until the master has ``count`` workers, none of them in ``gone``; else None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pids = workers_of(master_pid)
        if len(pids) == count and not set(pids) & set(gone):
            return time.monotonic() - started
        time.sleep(0.05)
    return None


# --- wrk ------------------------------------------------------------------------------


def start_wrk(wrk, base, script, connections, duration):
    command = [
        wrk,
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        WRK_TIMEOUT,
        "--latency",
        "-s",
        str(script),
        base + "/",
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process, duration):
    out, err = process.communicate(timeout=duration + 30)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{out}{err}")
    figures = bench.parse_wrk(out)
    match = re.search(r"^loadtest-statuses (.*)$", out, re.M)
    if not match:
        raise RuntimeError("the Lua script printed no status counts:\n" + out)
    statuses = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match[1])}
    unexpected_404 = max(0, statuses["s404"] - statuses["missing_sent"])
    expected_404 = statuses["s404"] - unexpected_404
    errors = (
        figures["socket_errors"]
        + statuses["s5xx"]
        + statuses["s4xx"]
        + statuses["other"]
        + unexpected_404
    )
    detail = (
        f"socket {figures['socket_errors']}, 5xx {statuses['s5xx']}, "
        f"other 4xx {statuses['s4xx']}, unexpected 404 {unexpected_404}"
    )
    if figures["socket_errors"]:
        detail += f" [{figures['socket_errors_detail']}]"
    return {
        **figures,
        **statuses,
        "expected_404": expected_404,
        "errors": errors,
        "errors_detail": detail,
        "output": out,
    }


def ms(value):
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


# --- the checks on the SQLite server ---------------------------------------------------


def check_mix(base):
    """Each URL of the mix once: the right status (and a warm cache for the load)."""
    wrong = []
    urls = [(path, {}) for path in PAGES]
    urls += [(f"/?q={word}", {}) for word in WORDS]
    urls += [(f"/?q={word}", {"HX-Request": "true"}) for word in WORDS]
    urls.append((MISSING, {}))
    for path, headers in urls:
        status, _, _ = bench.fetch(base + path, {"Accept-Encoding": "gzip, br", **headers})
        expected = 404 if path == MISSING else 200
        if status != expected:
            wrong.append(f"{path}{' (htmx)' if headers else ''} {status}")
    figures = f"{len(urls)} URLs; " + ("all as expected" if not wrong else "; ".join(wrong))
    return [Row(1, "request mix: each URL once", not wrong, figures)]


def check_load(wrk, base, script, master_pid, log_path):
    print(
        f"[1] load: wrk -t{WRK_THREADS} -c{LOAD_CONNECTIONS} -d{LOAD_DURATION}s "
        f"(memory sampled at {WARMUP} s and at the end) ...",
        flush=True,
    )
    started = time.monotonic()
    process = start_wrk(wrk, base, script, LOAD_CONNECTIONS, LOAD_DURATION)
    try:
        time.sleep(max(0.0, WARMUP - (time.monotonic() - started)))
        before = {pid: rss_kb(pid) for pid in workers_of(master_pid)}
        result = finish_wrk(process, LOAD_DURATION)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    after = {pid: rss_kb(pid) for pid in workers_of(master_pid)}
    recycled = log_path.read_text(errors="replace").count("Autorestarting worker")

    rows = [
        Row(
            1,
            f"load {LOAD_DURATION} s, {LOAD_CONNECTIONS} connections: errors",
            result["errors"] == 0,
            f"{result['errors']} errors ({result['errors_detail']}); "
            f"{result['requests']} requests, {result['rps']:.0f} req/s, "
            f"p50 {ms(result['p50_ms'])}, p99 {ms(result['p99_ms'])}; "
            f"404 for {MISSING}: {result['expected_404']} (expected)",
        )
    ]

    print("    worker RSS (VmRSS):")
    growths, gone = [], []
    for pid, rss_before in sorted(before.items()):
        rss_after = after.get(pid)
        if rss_before is None or rss_after is None:
            gone.append(pid)
            print(f"      pid {pid}: {rss_before} kB -> gone")
            continue
        growth = (rss_after - rss_before) / rss_before
        growths.append(growth)
        print(
            f"      pid {pid}: {rss_before / 1024:.1f} MB -> {rss_after / 1024:.1f} MB "
            f"({growth:+.1%})"
        )
    for pid in sorted(set(after) - set(before)):
        print(f"      pid {pid}: new (replaced a worker) {after[pid] / 1024:.1f} MB")
    worst = max(growths) if growths else 0.0
    # A worker may be recycled by max_requests on a fast machine; any other loss is a crash.
    crashed = max(0, len(gone) - recycled)
    ok = bool(growths) and worst <= MAX_RSS_GROWTH and crashed == 0
    figures = (
        f"{len(growths)} workers, max growth {worst:+.1%} (limit +{MAX_RSS_GROWTH:.0%}); "
        f"per worker MB: "
        + ", ".join(
            f"{before[pid] / 1024:.0f}->{after[pid] / 1024:.0f}"
            for pid in sorted(before)
            if pid not in gone
        )
    )
    if gone:
        figures += f"; {len(gone)} gone ({recycled} recycled by max_requests per the log)"
    rows.append(Row(1, "load: worker memory growth", ok, figures))
    return rows


def check_kill(wrk, base, script, master_pid, config):
    expected_workers = int(config["workers"])
    allowed = in_flight_per_worker(config)
    print(
        f"[2] worker killed under load: wrk -c{KILL_CONNECTIONS} -d{KILL_DURATION}s, "
        f"SIGKILL at {KILL_AT} s ...",
        flush=True,
    )
    rows = []
    initial = workers_of(master_pid)
    started = time.monotonic()
    process = start_wrk(wrk, base, script, KILL_CONNECTIONS, KILL_DURATION)
    try:
        time.sleep(max(0.0, KILL_AT - (time.monotonic() - started)))
        victim = workers_of(master_pid)[0]
        killed_at = time.monotonic() - started
        os.kill(victim, signal.SIGKILL)
        replaced_in = wait_for_workers(master_pid, expected_workers, REPLACE_TIMEOUT, [victim])
        result = finish_wrk(process, KILL_DURATION)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    now = workers_of(master_pid)
    rows.append(
        Row(
            2,
            "kill: worker replaced",
            replaced_in is not None,
            f"pid {victim} SIGKILLed at {killed_at:.1f} s; workers {len(initial)} before, "
            + (
                f"{expected_workers} again after {replaced_in:.2f} s"
                if replaced_in is not None
                else f"not back to {expected_workers} within {REPLACE_TIMEOUT} s"
            )
            + f"; now {len(now)}",
        )
    )
    failures = result["errors"]
    rows.append(
        Row(
            2,
            "kill: failed requests",
            failures <= allowed,
            f"{failures} failed (allowed {allowed}: what a {config.get('worker_class')} "
            f"worker has in flight; {result['errors_detail']}); "
            f"{result['requests']} requests, {result['rps']:.0f} req/s, "
            f"p99 {ms(result['p99_ms'])}",
        )
    )
    answers = {path: bench.fetch(base + path)[0] for path in ("/", "/healthz", "/404/")}
    rows.append(
        Row(
            2,
            "kill: site answers afterwards",
            all(status == 200 for status in answers.values()),
            ", ".join(f"{path} {status}" for path, status in answers.items()),
        )
    )
    return rows


def check_giscus(base):
    print("[4] giscus unreachable: /404/ with dummy GISCUS_* settings ...", flush=True)
    started = time.monotonic()
    status, headers, body = bench.fetch(base + "/404/", timeout=10)
    elapsed = time.monotonic() - started
    html = body.decode(errors="replace")
    parts = {
        "example": 'id="example-request"' in html and 'id="example-response"' in html,
        ".giscus": 'class="giscus"' in html and f'data-repo="{GISCUS_ENV["GISCUS_REPO"]}"' in html,
        "</html>": html.rstrip().endswith("</html>"),
    }
    ok = status == 200 and all(parts.values()) and elapsed < 2
    figures = f"status {status}, {len(body)} bytes in {elapsed * 1000:.0f} ms; " + ", ".join(
        f"{name} {'present' if there else 'MISSING'}" for name, there in parts.items()
    )
    return [Row(4, "giscus unreachable: /404/ complete", ok, figures)]


def check_slow_clients(base):
    print(
        f"[5] slow clients: {SLOW_CLIENTS} connections trickling their headers for "
        f"{SLOW_DURATION} s, ordinary requests timed ...",
        flush=True,
    )
    result = trickle.run(
        base, connections=SLOW_CLIENTS, duration=SLOW_DURATION, interval=SLOW_INTERVAL
    )
    FIGURES["slow_clients"] = result
    return [
        Row(
            5,
            f"slow clients: >= {SLOW_MIN_SHARE:.0%} answered within 2 s",
            result["requests"] > 0 and result["share"] >= SLOW_MIN_SHARE,
            trickle.describe(result, SLOW_CLIENTS),
        )
    ]


def _flood_worker(port, paths, outcomes, deadline):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path in paths:
        if time.monotonic() > deadline:
            break
        try:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                outcomes.append(response.status)
            else:
                outcomes.append(None)  # sent, answered 200
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as error:
            outcomes.append(type(error).__name__)
            connection.close()
    connection.close()


def check_flood(base, master_pid, label):
    """FLOOD_REQUESTS distinct URLs; each worker's RSS growth in MB."""
    print(f"[6] unique-URL flood ({label}): {FLOOD_REQUESTS} distinct URLs ...", flush=True)
    port = int(base.rsplit(":", 1)[1])
    for _ in range(20):  # every worker warm: data loaded, templates compiled
        bench.fetch(base + f"/?q=warm{secrets.token_hex(3)}")
    before = {pid: rss_kb(pid) for pid in workers_of(master_pid)}
    codes = [path for path in PAGES if path[1:4].isdigit()]
    paths = [
        f"/?q={WORDS[n % len(WORDS)]}+{n}" if n % 10 == 0 else f"{codes[n % len(codes)]}?q=x{n}"
        for n in range(FLOOD_REQUESTS)
    ]
    outcomes = []
    started = time.monotonic()
    deadline = started + FLOOD_MAX_SECONDS
    threads = [
        threading.Thread(
            target=_flood_worker, args=(port, paths[i::FLOOD_THREADS], outcomes, deadline)
        )
        for i in range(FLOOD_THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    failures = [outcome for outcome in outcomes if outcome is not None]
    sent = len(outcomes)
    after = {pid: rss_kb(pid) for pid in workers_of(master_pid)}
    growth = {
        pid: (after[pid] - before[pid]) / 1024
        for pid in before
        if pid in after and before[pid] and after[pid]
    }
    worst = max(growth.values(), default=float("inf"))
    FIGURES[f"flood_{label}"] = {
        "requests": sent,
        "failed": len(failures),
        "seconds": round(elapsed, 1),
        "rss_mb_before_after": {
            str(pid): [round(before[pid] / 1024, 1), round(after[pid] / 1024, 1)] for pid in growth
        },
        "max_growth_mb": round(worst, 1),
    }
    capped = (
        f" (time cap {FLOOD_MAX_SECONDS} s: {sent} of {len(paths)})" if sent < len(paths) else ""
    )
    figures = (
        f"{sent} distinct URLs in {elapsed:.0f} s{capped}, {len(failures)} failed; "
        "per worker MB: "
        + ", ".join(
            f"{before[pid] / 1024:.0f}->{after[pid] / 1024:.0f} ({growth[pid]:+.1f})"
            for pid in sorted(growth)
        )
        + f"; limit +{FLOOD_MAX_GROWTH_MB} MB"
    )
    ok = not failures and len(growth) == len(before) and worst < FLOOD_MAX_GROWTH_MB
    return [Row(6, f"flood, {label}: worker memory growth", ok, figures)]


def _start_redis(directory):
    port = bench.free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            str(BASE_DIR / "deploy" / "redis-statuscodes.conf"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--logfile",
            str(Path(directory) / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("redis-server did not start")


def check_redis_flood(config):
    """The flood again, against a gunicorn whose cache is Redis (REDIS_URL)."""
    if not shutil.which("redis-server"):
        return [Row(6, "flood, Redis", False, "redis-server is not installed (make system-deps)")]
    log_path = LOG_DIR / "loadtest-gunicorn-redis.log"
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="loadtest-redis-") as tmp:
        redis_process, redis_port = _start_redis(tmp)
        try:
            with open(log_path, "w") as log_file:
                env = {**SERVER_ENV, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
                process = bench.start_server(port, log_file, "statuscodes.settings", env)
                try:
                    bench.wait_until_up(process, base, log_path)
                    wait_for_workers(process.pid, int(config["workers"]), 30)
                    return check_flood(base, process.pid, "Redis cache")
                finally:
                    bench.stop_server(process)
        finally:
            redis_process.terminate()
            redis_process.wait(timeout=10)


# --- check 3: runs under scripts/with_postgres.py -------------------------------------------


def database_fault_phase(result_path):
    """Run by with_postgres.py (DATABASE_URL set); writes its rows to ``result_path``."""
    rows = []

    def step(check, ok, figures):
        rows.append({"section": 3, "check": check, "ok": bool(ok), "figures": figures})
        print(f"    {check}: {'ok' if ok else 'FAILED'}: {figures}", flush=True)

    try:
        _database_fault_steps(step)
    except BaseException as error:  # report whatever stopped the phase
        step("database fault: aborted", False, f"{type(error).__name__}: {error}")
    finally:
        Path(result_path).write_text(json.dumps(rows))
    return 0


def _server_location(url):
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        values = {}
        for name in ("data_directory", "port", "unix_socket_directories"):
            values[name] = conn.execute(f"SHOW {name}").fetchone()[0]
    return values


def _pg_ctl(user, bindir, args, cwd):
    command = with_postgres.as_server_user(user, [os.path.join(bindir, "pg_ctl"), *args])
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        start_new_session=True,  # the server must not share our session
    )


def _probe(base, path, expected, contains=None, absent=None):
    started = time.monotonic()
    try:
        status, headers, body = bench.fetch(base + path, timeout=OUTAGE_MAX_SECONDS + 5)
    except OSError as error:
        return {"ok": False, "status": None, "elapsed": time.monotonic() - started, "error": error}
    elapsed = time.monotonic() - started
    text = body.decode(errors="replace")
    ok = status == expected and "Traceback" not in text
    if contains is not None:
        ok = ok and contains in text
    if absent is not None:
        ok = ok and absent not in text
    if expected == 503:
        ok = ok and headers.get("Retry-After") is not None
    if contains is not None or expected == 503:
        ok = ok and elapsed < OUTAGE_MAX_SECONDS
    return {"ok": ok, "status": status, "elapsed": elapsed, "error": None}


def _database_fault_steps(step):
    url = os.environ["DATABASE_URL"]
    config = bench.gunicorn_config()
    workers = int(config["workers"])
    bindir = with_postgres.find_bin_dir()
    user = with_postgres.service_user()
    location = _server_location(url)
    datadir = location["data_directory"]
    socket_dir = location["unix_socket_directories"].split(",")[0].strip()
    pg_port = location["port"]
    step("postgres started", True, f"{url} (data {datadir})")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "statuscodes.settings",
        "DJANGO_SECRET_KEY": bench.secret_key(),
    }
    for command in (["migrate", "--noinput"], ["load_codes"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            step(f"manage.py {command[0]}", False, (done.stdout + done.stderr)[-2000:])
            return
    step("migrate + load_codes", True, "done")

    log_path = LOG_DIR / "loadtest-gunicorn-postgres.log"
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log_file:
        process = bench.start_server(
            port, log_file, "statuscodes.settings", {**SERVER_ENV, "DATABASE_URL": url}
        )
        try:
            bench.wait_until_up(process, base, log_path)
            wait_for_workers(process.pid, workers, 30)
            _outage(step, base, workers, user, bindir, datadir, socket_dir, pg_port)
        finally:
            bench.stop_server(process)
    log = log_path.read_text(errors="replace")
    tracebacks = log.count("Traceback")
    step(
        "gunicorn log: no tracebacks",
        tracebacks == 0,
        f"{log_path.relative_to(BASE_DIR)}: {tracebacks} tracebacks, "
        f"{log.count('Database unavailable')} 'Database unavailable' lines",
    )


def _outage(step, base, workers, user, bindir, datadir, socket_dir, pg_port):
    # Enough requests on new connections that every worker has loaded the data.
    before = [_probe(base, "/404/", 200) for _ in range(10 * workers)]
    before.append(_probe(base, "/readyz", 200, contains="database: ok"))
    step(
        "before the outage",
        all(p["ok"] for p in before),
        f"{sum(p['ok'] for p in before)}/{len(before)} of /404/ and /readyz 200",
    )

    stopped = _pg_ctl(user, bindir, ["stop", "-D", datadir, "-m", "fast", "-w"], socket_dir)
    step(
        "pg_ctl stop -m fast",
        stopped.returncode == 0,
        (stopped.stdout + stopped.stderr).strip().replace("\n", " "),
    )

    # Several of each, so every worker meets the outage, with its old connection or a new one.
    results = {"/404/": [], "/?q=<new>": [], "/api/codes/418/": [], "/healthz": [], "/readyz": []}
    for _ in range(2 * workers):
        results["/404/"].append(_probe(base, "/404/", 200, contains=OUTAGE_NOTICE))
        fresh = f"/?q=timeout+{secrets.token_hex(2)}"
        results["/?q=<new>"].append(_probe(base, fresh, 200, contains=OUTAGE_NOTICE))
        results["/api/codes/418/"].append(_probe(base, "/api/codes/418/", 200, contains="418"))
        results["/healthz"].append(_probe(base, "/healthz", 200, contains="ok"))
        results["/readyz"].append(_probe(base, "/readyz", 200, contains="not answering"))
    for path, probes in results.items():
        statuses = sorted({str(p["status"] or p["error"]) for p in probes})
        slowest = max(p["elapsed"] for p in probes)
        step(
            f"outage: {path} served from the last data",
            all(p["ok"] for p in probes),
            f"{sum(p['ok'] for p in probes)}/{len(probes)} as expected "
            f"(statuses {', '.join(statuses)}), slowest {slowest * 1000:.0f} ms",
        )
    admin = [_probe(base, "/admin/reference/statuscode/", 302) for _ in range(2)]
    step(
        "outage: admin",
        all(p["status"] in (302, 503) for p in admin),
        "statuses " + ", ".join(str(p["status"]) for p in admin) + " (login redirect or 503)",
    )

    options = " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-p {pg_port}",
            f"-c unix_socket_directories={socket_dir}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
        ]
    )
    logfile = os.path.join(socket_dir, "server.log")
    restarted = _pg_ctl(
        user, bindir, ["start", "-D", datadir, "-l", logfile, "-w", "-o", options], socket_dir
    )
    step(
        "pg_ctl start (same data dir and port)",
        restarted.returncode == 0,
        (restarted.stdout + restarted.stderr).strip().replace("\n", " "),
    )
    if restarted.returncode != 0:
        return

    started = time.monotonic()
    recovered_in = None
    while time.monotonic() - started < RECOVERY_TIMEOUT:
        ready = _probe(base, "/readyz", 200, contains="database: ok")
        page = _probe(base, f"/?q=back{secrets.token_hex(4)}", 200, absent=OUTAGE_NOTICE)
        if ready["ok"] and page["ok"]:
            recovered_in = time.monotonic() - started
            break
        time.sleep(0.2)
    after = [_probe(base, "/readyz", 200, contains="database: ok") for _ in range(2 * workers)]
    after += [_probe(base, f"/?q=again{secrets.token_hex(4)}", 200) for _ in range(2 * workers)]
    after += [_probe(base, "/404/", 200, absent=OUTAGE_NOTICE) for _ in range(2 * workers)]
    step(
        "recovery without restarting gunicorn",
        recovered_in is not None and all(p["ok"] for p in after),
        (
            f"200 again {recovered_in:.2f} s after PostgreSQL was back"
            if recovered_in is not None
            else f"no 200 within {RECOVERY_TIMEOUT} s"
        )
        + f"; then {sum(p['ok'] for p in after)}/{len(after)} requests 200 "
        f"(/readyz 'database: ok', new searches, /404/)",
    )


def check_database_fault():
    print("[3] database fault: gunicorn on a throwaway PostgreSQL ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp:
        result_path = Path(tmp) / "database.json"
        command = [
            sys.executable,
            str(BASE_DIR / "scripts" / "with_postgres.py"),
            sys.executable,
            str(Path(__file__).resolve()),
            "--database-fault",
            str(result_path),
        ]
        try:
            done = subprocess.run(command, cwd=BASE_DIR, timeout=DATABASE_PHASE_TIMEOUT)
            returncode = done.returncode
        except subprocess.TimeoutExpired:
            returncode = "timeout"
        rows = json.loads(result_path.read_text()) if result_path.exists() else []
    rows = [Row(**row) for row in rows]
    if returncode != 0 or not rows:
        rows.append(
            Row(3, "database fault: phase ran", False, f"with_postgres.py exit {returncode}")
        )
    return rows


# --- the run ----------------------------------------------------------------------------


def guarded(section, name, function, *args):
    """A check that raises is a FAIL row, and the other checks still run."""
    try:
        return function(*args)
    except Exception as error:
        return [Row(section, name, False, f"{type(error).__name__}: {error}")]


def print_table(rows):
    header = ("#", "check", "result", "figures")
    lines = [header] + [
        (str(row.section), row.check, "PASS" if row.ok else "FAIL", row.figures) for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    for number, line in enumerate(lines):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line[:3], widths, strict=True)),
            line[3],
        )
        if number == 0:
            print("  ".join("-" * width for width in widths), "-" * 40)


def main():
    wrk = shutil.which("wrk")
    if not wrk:
        bench.fail("wrk is not installed (Debian: apt-get install wrk, or `make system-deps`).")
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        bench.fail("static files are not collected: run `make setup` first.")
    if not (BASE_DIR / "data" / "db.sqlite3").exists():
        bench.fail("data/db.sqlite3 is missing: run `make setup` first.")
    if with_postgres.find_bin_dir() is None:
        bench.fail("PostgreSQL is not installed (`make system-deps`).")

    LOG_DIR.mkdir(exist_ok=True)
    config = bench.gunicorn_config()
    started = time.monotonic()
    rows = []
    log_path = LOG_DIR / "loadtest-gunicorn.log"
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    print(
        f"loadtest: gunicorn ({config['workers']} {config['worker_class']} workers, "
        f"production settings, access log off) at {base}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp, open(log_path, "w") as log_file:
        script = write_lua_script(tmp)
        process = bench.start_server(
            port, log_file, "statuscodes.settings", {**SERVER_ENV, **GISCUS_ENV}
        )
        try:
            bench.wait_until_up(process, base, log_path)
            count = wait_for_workers(process.pid, int(config["workers"]), 30)
            if count is None:
                rows.append(Row(0, "gunicorn workers up", False, "not all workers started"))
            rows += guarded(1, "request mix", check_mix, base)
            rows += guarded(1, "load", check_load, wrk, base, script, process.pid, log_path)
            rows += guarded(2, "kill", check_kill, wrk, base, script, process.pid, config)
            rows += guarded(4, "giscus unreachable", check_giscus, base)
            rows += guarded(5, "slow clients", check_slow_clients, base)
            rows += guarded(6, "flood, LocMem", check_flood, base, process.pid, "LocMem cache")
        finally:
            bench.stop_server(process)
    tracebacks = log_path.read_text(errors="replace").count("Traceback")
    rows.append(
        Row(
            2,
            "gunicorn log: no tracebacks",
            tracebacks == 0,
            f"{log_path.relative_to(BASE_DIR)}: {tracebacks} tracebacks",
        )
    )
    rows += guarded(6, "flood, Redis", check_redis_flood, config)
    rows += guarded(3, "database fault", check_database_fault)

    rows.sort(key=lambda row: row.section)
    elapsed = time.monotonic() - started
    FIGURES["rows"] = [asdict(row) for row in rows]
    FIGURES["load_average"] = os.getloadavg()
    (LOG_DIR / "loadtest.json").write_text(json.dumps(FIGURES, indent=2, default=str))
    print()
    print_table(rows)
    failed = [row for row in rows if not row.ok]
    print(f"\nLogs: {log_path.relative_to(BASE_DIR)}, bench-results/loadtest-gunicorn-postgres.log")
    if failed:
        print(f"\nloadtest: FAIL ({len(failed)} of {len(rows)} checks failed) in {elapsed:.0f} s")
        return 1
    print(f"\nloadtest: PASS (all {len(rows)} checks) in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--database-fault":
        sys.exit(database_fault_phase(sys.argv[2]))
    sys.exit(main())
