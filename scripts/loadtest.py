"""Load test of the production configuration: gunicorn as `make run` starts it, driven by wrk.

Run by ``make loadtest`` (after ``make setup`` and ``make system-deps``). Loopback only,
bounded in time (about LOAD_DURATION + 30 seconds), stops by itself; prints a table of
figures and exits 1 if a check failed.

One gunicorn on the SQLite database of `make setup`, with the production settings, the
access log off and no worker recycling (memory is measured on workers that live the whole
run). Every URL of the mix is requested once (the right status, and a warm cache), then
wrk -t2 -c64 runs for LOAD_DURATION seconds (default 60) with a Lua script that picks each
request from a mix of pages, searches, the htmx partial and /299/ (an expected 404).
Figures: requests, requests/s, p50 and p99 latency. Errors = socket errors (a response
slower than 5 s included) + 5xx + other 4xx + 404s beyond the /299/ requests sent; PASS
needs 0. Each worker's RSS (VmRSS) is sampled after a 10 s warm-up and at the end; PASS
needs growth <= 10 % per worker. The server log must hold no traceback.

Faults (a worker or an instance killed, slow clients, floods of unique URLs with LocMem
and with Redis, PostgreSQL and Redis stopped) are tests on the deploy topology:
tests/test_deploy.py. Server log: bench-results/loadtest-gunicorn.log; the figures also
go to bench-results/loadtest.json.
"""

import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import harness  #  (scripts/harness.py: gunicorn, its workers' memory, wrk)
from harness import BASE_DIR, fail

LOG_DIR = BASE_DIR / "bench-results"

LOAD_DURATION = int(os.environ.get("LOAD_DURATION", "60"))
LOAD_CONNECTIONS = 64
WARMUP = min(10, LOAD_DURATION // 2)  # seconds of load before the first memory sample
MAX_RSS_GROWTH = 0.10
WRK_TIMEOUT = "5s"  # a response slower than this counts as a socket error (timeout)

# Production settings, access log off (start_server sets both), and no worker
# recycling: memory growth must be measured on workers that live the whole run.
SERVER_ENV = {"GUNICORN_MAX_REQUESTS": "0"}

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
MISSING = "/299/"  # the one page of the mix whose right answer is 404

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


@dataclass
class Row:
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


def statuses(figures):
    """The Lua script's counts per status class, and the errors among them."""
    match = re.search(r"^loadtest-statuses (.*)$", figures["output"], re.M)
    if not match:
        raise RuntimeError("the Lua script printed no status counts:\n" + figures["output"])
    counts = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match[1])}
    unexpected_404 = max(0, counts["s404"] - counts["missing_sent"])
    errors = (
        figures["socket_errors"]
        + counts["s5xx"]
        + counts["s4xx"]
        + counts["other"]
        + unexpected_404
    )
    detail = (
        f"socket {figures['socket_errors']}, 5xx {counts['s5xx']}, "
        f"other 4xx {counts['s4xx']}, unexpected 404 {unexpected_404}"
    )
    if figures["socket_errors"]:
        detail += f" [{figures['socket_errors_detail']}]"
    return {
        **counts,
        "expected_404": counts["s404"] - unexpected_404,
        "errors": errors,
        "errors_detail": detail,
    }


def ms(value):
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def check_mix(base):
    """Each URL of the mix once: the right status (and a warm cache for the load)."""
    wrong = []
    urls = [(path, {}) for path in PAGES]
    urls += [(f"/?q={word}", {}) for word in WORDS]
    urls += [(f"/?q={word}", {"HX-Request": "true"}) for word in WORDS]
    urls.append((MISSING, {}))
    for path, headers in urls:
        status, _, _ = harness.fetch(base + path, {"Accept-Encoding": "gzip, br", **headers})
        expected = 404 if path == MISSING else 200
        if status != expected:
            wrong.append(f"{path}{' (htmx)' if headers else ''} {status}")
    figures = f"{len(urls)} URLs; " + ("all as expected" if not wrong else "; ".join(wrong))
    return [Row("request mix: each URL once", not wrong, figures)]


def check_load(base, script, master_pid):
    print(
        f"load: wrk -t2 -c{LOAD_CONNECTIONS} -d{LOAD_DURATION}s "
        f"(memory sampled at {WARMUP} s and at the end) ...",
        flush=True,
    )
    started = time.monotonic()
    process = harness.start_wrk(
        base + "/", LOAD_DURATION, LOAD_CONNECTIONS, script=script, timeout=WRK_TIMEOUT
    )
    try:
        time.sleep(max(0.0, WARMUP - (time.monotonic() - started)))
        before = harness.workers_rss_mb(master_pid)
    except BaseException:
        process.kill()
        process.wait()
        raise
    result = harness.finish_wrk(process)
    after = harness.workers_rss_mb(master_pid)
    result.update(statuses(result))
    del result["output"]
    FIGURES["load"] = {
        **result,
        "duration_s": LOAD_DURATION,
        "connections": LOAD_CONNECTIONS,
        "rss_mb_before_after": {
            str(pid): [round(before[pid], 1), after.get(pid) and round(after[pid], 1)]
            for pid in before
        },
    }

    rows = [
        Row(
            f"load {LOAD_DURATION} s, {LOAD_CONNECTIONS} connections: errors",
            result["errors"] == 0,
            f"{result['errors']} errors ({result['errors_detail']}); "
            f"{result['requests']} requests, {result['rps']:.0f} req/s, "
            f"p50 {ms(result['p50_ms'])}, p99 {ms(result['p99_ms'])}; "
            f"404 for {MISSING}: {result['expected_404']} (expected)",
        )
    ]
    print("    worker RSS (VmRSS):")
    growths = {}
    for pid, rss_before in sorted(before.items()):
        if pid not in after:
            print(f"      pid {pid}: {rss_before:.1f} MB -> gone")
            continue
        growths[pid] = (after[pid] - rss_before) / rss_before
        print(f"      pid {pid}: {rss_before:.1f} MB -> {after[pid]:.1f} MB ({growths[pid]:+.1%})")
    gone = sorted(set(before) - set(growths))  # no recycling: a worker gone has crashed
    for pid in sorted(set(after) - set(before)):
        print(f"      pid {pid}: new (replaced a worker) {after[pid]:.1f} MB")
    worst = max(growths.values(), default=0.0)
    figures = (
        f"{len(growths)} workers, max growth {worst:+.1%} (limit +{MAX_RSS_GROWTH:.0%}); "
        "per worker MB: "
        + ", ".join(f"{before[pid]:.0f}->{after[pid]:.0f}" for pid in sorted(growths))
    )
    if gone:
        figures += f"; {len(gone)} gone (crashed)"
    ok = bool(growths) and worst <= MAX_RSS_GROWTH and not gone
    rows.append(Row("load: worker memory growth", ok, figures))
    return rows


def guarded(name, function, *args):
    """A check that raises is a FAIL row, and the other checks still run."""
    try:
        return function(*args)
    except Exception as error:
        return [Row(name, False, f"{type(error).__name__}: {error}")]


def print_table(rows):
    header = ("check", "result", "figures")
    lines = [header] + [(row.check, "PASS" if row.ok else "FAIL", row.figures) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(2)]
    for number, line in enumerate(lines):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line[:2], widths, strict=True)),
            line[2],
        )
        if number == 0:
            print("  ".join("-" * width for width in widths), "-" * 40)


FIGURES = {}  # written to bench-results/loadtest.json


def main():
    if not shutil.which("wrk"):
        fail("wrk is not installed (Debian: apt-get install wrk, or `make system-deps`).")
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        fail("static files are not collected: run `make setup` first.")
    if not (BASE_DIR / "data" / "db.sqlite3").exists():
        fail("data/db.sqlite3 is missing: run `make setup` first.")

    LOG_DIR.mkdir(exist_ok=True)
    config = harness.gunicorn_config()
    started = time.monotonic()
    rows = []
    log_path = LOG_DIR / "loadtest-gunicorn.log"
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    print(
        f"loadtest: gunicorn ({config['workers']} {config['worker_class']} workers, "
        f"production settings, access log off) at {base}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp, open(log_path, "w") as log_file:
        script = write_lua_script(tmp)
        process = harness.start_server(port, log_file, extra_env=SERVER_ENV)
        try:
            harness.wait_for_url(base + "/", process, log_path)
            if harness.wait_for_workers(process.pid, int(config["workers"]), 30) is None:
                rows.append(Row("gunicorn workers up", False, "not all workers started"))
            rows += guarded("request mix", check_mix, base)
            rows += guarded("load", check_load, base, script, process.pid)
        finally:
            harness.stop(process)
    tracebacks = log_path.read_text(errors="replace").count("Traceback")
    rows.append(
        Row(
            "gunicorn log: no tracebacks",
            tracebacks == 0,
            f"{log_path.relative_to(BASE_DIR)}: {tracebacks} tracebacks",
        )
    )

    elapsed = time.monotonic() - started
    FIGURES["rows"] = [asdict(row) for row in rows]
    FIGURES["gunicorn"] = {key: config[key] for key in ("workers", "worker_class", "threads")}
    FIGURES["load_average"] = os.getloadavg()
    (LOG_DIR / "loadtest.json").write_text(json.dumps(FIGURES, indent=2, default=str))
    print()
    print_table(rows)
    failed = [row for row in rows if not row.ok]
    if failed:
        print(f"\nloadtest: FAIL ({len(failed)} of {len(rows)} checks failed) in {elapsed:.0f} s")
        return 1
    print(f"\nloadtest: PASS (all {len(rows)} checks) in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as error:
        fail(str(error))
