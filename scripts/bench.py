"""Benchmark of the production configuration: gunicorn + Django, driven by wrk.

Run by ``make bench`` (after ``make setup``, which loads the SQLite database and
collects the static files). It starts gunicorn exactly as ``make run`` does
(statuscodes/gunicorn.conf.py, DEBUG off, plain HTTP) with the bench settings
(scripts/bench_settings.py), whose only addition is ``/__floor__/``: the bytes
of ``/`` served from memory, the framework floor every page is compared with
(scripts/bench_urls.py). Like for like: pages and floor are measured without
compression on both sides, then with gzip on both sides (both pre-compressed).
A last row is live search with a new query on every request (a wrk Lua
script), so no rendering is reused.

This machine's speed drifts by tens of percent within seconds (other tenants of
the host), so rows are not measured once each in a row: every row gets a short
warm-up, then all rows are measured in turn, BENCH_ROUNDS times. Each figure is
the median of its rounds, and a page's ratio is the median of its rounds' ratios
to the floor of the same round, measured seconds before it. Worker recycling
(max_requests) is off for the run: a worker restarting mid-row would measure its
boot, not serving.

Targets (2 cores): pages >= 0.8x the floor in the same encoding, distinct-query
search >= 0.5x, p99 <= 15 ms at 32 connections; each row says whether it met
its target.

Environment: BENCH_DURATION (seconds per row and round, default 3), BENCH_ROUNDS
(default 5), BENCH_CONNECTIONS (default 32), WEB_CONCURRENCY and GUNICORN_THREADS
(gunicorn workers and threads, defaults from statuscodes/gunicorn.conf.py).
Figures are printed and written to bench-results/latest.json.

Not a pytest test: it takes about four minutes and measures, it does not assert.
"""

import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import harness  #  (scripts/harness.py: servers, ports, wrk)
from harness import BASE_DIR, fail, fetch

RESULTS_DIR = BASE_DIR / "bench-results"
DURATION = int(os.environ.get("BENCH_DURATION", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARMUP = 1  # seconds of load per row before the rounds: fresh workers fault their memory in
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = 2
P99_TARGET_MS = 15.0


class _Assets(HTMLParser):
    """The stylesheet and script URLs a page references."""

    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.stylesheets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def page_assets(html):
    parser = _Assets()
    parser.feed(html)
    return parser.stylesheets, parser.scripts


def run_wrk(url, headers, script=None, duration=None):
    try:
        return harness.run_wrk(
            url,
            duration or DURATION,
            connections=CONNECTIONS,
            threads=THREADS,
            script=script,
            headers=headers,
        )
    except RuntimeError as error:
        fail(f"{url}: {error}")


def first_load_weight(base, html_url):
    """HTML + CSS + JS of a page, each as sent with Accept-Encoding: br, gzip."""
    headers = {"Accept-Encoding": "br, gzip"}
    rows = []
    status, response_headers, body = fetch(html_url, headers)
    rows.append(("HTML " + html_url[len(base) :], response_headers, body))
    _, _, plain = fetch(html_url)  # to find the assets, without decoding by hand
    stylesheets, scripts = page_assets(plain.decode())
    for href in stylesheets + scripts:
        url = urljoin(html_url, href)
        status, response_headers, body = fetch(url, headers)
        if status != 200:
            fail(f"{href} referenced by / answered {status}")
        kind = "CSS " if href in stylesheets else "JS  "
        rows.append((kind + href, response_headers, body))
    return [
        {
            "resource": name,
            "encoding": response_headers.get("Content-Encoding", "identity"),
            "bytes": len(body),
        }
        for name, response_headers, body in rows
    ]


def machine():
    return {
        "nproc": os.cpu_count(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def print_table(rows):
    header = (
        "page",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "ratio (range)",
        "CPU ms/req",
        "CPU ratio",
        "target",
    )
    lines = [header] + [
        (
            row["page"],
            f"{row['rps']:.0f}",
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            row["errors_text"],
            (
                f"{row['ratio']:.2f} "
                f"({min(row['rounds_ratio']):.2f}-{max(row['rounds_ratio']):.2f})"
                if row["floor"]
                else "-"
            ),
            f"{row['cpu_ms']:.2f}",
            f"{row['cpu_ratio']:.2f}" if row["floor"] else "-",
            row["verdict"]
            + (f" (>= {row['target']}x)" if row.get("target") else "")
            + (f", p99 <= {P99_TARGET_MS:g}" if row["floor"] else ""),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def main():
    if not shutil.which("wrk"):
        fail("wrk is not installed (Debian: apt-get install wrk, or `make system-deps`).")
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        fail("static files are not collected: run `make setup` first.")
    if not (BASE_DIR / "data" / "db.sqlite3").exists():
        fail("data/db.sqlite3 is missing: run `make setup` first.")

    RESULTS_DIR.mkdir(exist_ok=True)
    log_path = RESULTS_DIR / "gunicorn.log"
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with open(log_path, "w") as log_file:
        process = harness.start_server(
            port, log_file, "bench_settings", extra_env={"GUNICORN_MAX_REQUESTS": "0"}
        )
        try:
            harness.wait_for_url(base + "/", process, log_path)
            results = bench(base, process.pid)
        except RuntimeError as error:
            fail(str(error))
        finally:
            harness.stop(process)
    results["machine"]["elapsed_s"] = round(time.monotonic() - started, 1)
    report(results)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {(RESULTS_DIR / 'latest.json').relative_to(BASE_DIR)}.")


# Every request a new live search: the htmx partial for one of these words, made
# unique by a counter parameter the view ignores, so the page cache never hits and
# each request searches and renders (the cache key is the exact URL).
DISTINCT_SEARCH_LUA = """
local words = {"timeout", "redirect", "gateway", "not found", "teapot", "auth", "rate",
  "conflict", "gone", "payload", "proxy", "server", "moved", "cache", "range", "lock"}
local counter = 0
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function request()
  counter = counter + 1
  local word = words[(counter % #words) + 1]
  local path = "/?q=" .. word:gsub(" ", "+") .. "&n=" .. tid .. "-" .. counter
  return wrk.format(nil, path)  -- with the -H headers: gzip, HX-Request
end
"""


def server_cpu_seconds(group):
    """User + system CPU time of gunicorn's master and workers (one process group).

    Time the host gives other tenants (steal) is not counted, so this drifts far
    less than requests/s on a shared machine.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def bench(base, group):
    gzip_headers = {"Accept-Encoding": "gzip"}
    identity = {"Accept-Encoding": "identity"}
    status, headers, body = fetch(base + "/", gzip_headers)
    etag = headers.get("ETag")
    if status != 200 or not etag:
        fail(f"/ answered {status} with ETag {etag!r}; the 304 case needs an ETag.")
    _, _, plain = fetch(base + "/", identity)
    stylesheets, _ = page_assets(plain.decode())
    css = next((href for href in stylesheets if "/reference/site." in href), None)
    if not css:
        fail("no <link rel=stylesheet> to reference/site.css in /")
    hx = {"HX-Request": "true"}

    # (label, path, request headers, statuses that are right, floor label, target ratio)
    pages = []
    for name, encoding in (("identity", identity), ("gzip", gzip_headers)):
        floor = f"floor ({name})"
        pages += [
            (floor, "/__floor__/", encoding, {200}, floor, None),
            (f"/ ({name})", "/", encoding, {200}, floor, 0.8),
            (f"/?q=not ({name})", "/?q=not", encoding, {200}, floor, 0.8),
            (f"/?q=not partial ({name})", "/?q=not", {**encoding, **hx}, {200}, floor, 0.8),
            (f"/404/ ({name})", "/404/", encoding, {200}, floor, 0.8),
        ]
    pages += [
        (
            "/ If-None-Match: 304",
            "/",
            {**gzip_headers, "If-None-Match": etag},
            {304},
            "floor (gzip)",
            0.8,
        ),
        (
            "search, new query each request (gzip)",
            "/?q=timeout&n=warm",
            {**gzip_headers, **hx},
            {200},
            "floor (gzip)",
            0.5,
        ),
        (f"CSS {css} (gzip)", css, gzip_headers, {200}, None, None),
    ]
    checks = []
    for label, path, request_headers, expected, *_ in pages:  # warm-up, check the status
        status, response_headers, body = fetch(base + path, request_headers)
        if status not in expected:
            fail(f"{label} answered {status}, expected {sorted(expected)}")
        checks.append(
            {
                "page": label,
                "status": status,
                "encoding": response_headers.get("Content-Encoding", "identity"),
                "bytes": len(body),
            }
        )

    rounds = {label: [] for label, *_ in pages}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        lua = Path(tmp) / "distinct_search.lua"
        lua.write_text(DISTINCT_SEARCH_LUA)

        def script(label):
            return lua if label.startswith("search, new query") else None

        print(f"warm-up: {WARMUP} s per row ...", file=sys.stderr, flush=True)
        for label, path, request_headers, *_ in pages:
            run_wrk(base + path, request_headers, script(label), duration=WARMUP)
        for number in range(1, ROUNDS + 1):
            for label, path, request_headers, *_ in pages:
                print(f"round {number}/{ROUNDS}: wrk {label} ...", file=sys.stderr, flush=True)
                cpu = server_cpu_seconds(group)
                run = run_wrk(base + path, request_headers, script(label))
                run["cpu_ms"] = (server_cpu_seconds(group) - cpu) * 1000 / run["requests"]
                rounds[label].append(run)
    rows = {}
    for label, path, _, _, floor, target in pages:
        figures = {
            key: statistics.median(run[key] for run in rounds[label])
            for key in ("rps", "p50_ms", "p99_ms", "cpu_ms")
        }
        errors = sum(run["socket_errors"] + run["non_2xx_3xx"] for run in rounds[label])
        details = [run["socket_errors_detail"] for run in rounds[label] if run["socket_errors"]]
        rows[label] = {
            **figures,
            "requests": sum(run["requests"] for run in rounds[label]),
            "rounds_rps": [run["rps"] for run in rounds[label]],
            "rounds_cpu_ms": [run["cpu_ms"] for run in rounds[label]],
            "socket_errors": sum(run["socket_errors"] for run in rounds[label]),
            "socket_errors_detail": "; ".join(details),
            "page": label,
            "url": path,
            "errors": errors,
            "errors_text": str(errors),
            "floor": floor,
            "target": target,
        }
    for row in rows.values():
        # Each round's page against the same round's floor, a few seconds apart.
        if row["floor"]:
            floor_rounds = rows[row["floor"]]["rounds_rps"]
            pairs = zip(row["rounds_rps"], floor_rounds, strict=True)
            ratios = [page / floor for page, floor in pairs if floor]
        else:
            ratios = []
        row["ratio"] = statistics.median(ratios) if ratios else 0.0
        row["rounds_ratio"] = ratios
        # The same comparison in server CPU per request: the floor's cost over the page's.
        if row["floor"]:
            pairs = zip(rows[row["floor"]]["rounds_cpu_ms"], row["rounds_cpu_ms"], strict=True)
            row["cpu_ratio"] = statistics.median(floor / page for floor, page in pairs)
        else:
            row["cpu_ratio"] = 0.0
        met = row["p99_ms"] <= P99_TARGET_MS and row["errors"] == 0
        if row["target"] is not None:
            met = met and row["ratio"] >= row["target"]
        row["verdict"] = ("ok" if met else "MISSED") if row["floor"] else "-"

    return {
        "settings": {
            "duration_s": DURATION,
            "rounds": ROUNDS,
            "wrk_threads": THREADS,
            "connections": CONNECTIONS,
            # As gunicorn reads its configuration, from the same environment.
            **{
                key: value
                for key, value in harness.gunicorn_config().items()
                if key in ("workers", "threads", "worker_class")
            },
        },
        "checks": checks,
        "pages": list(rows.values()),
        "first_load": first_load_weight(base, base + "/"),
        "machine": machine(),
    }


def report(results):
    settings = results["settings"]
    print(
        f"\ngunicorn, {settings['workers']} {settings['worker_class']} workers x "
        f"{settings['threads']} threads, no recycling; wrk -t{settings['wrk_threads']} "
        f"-c{settings['connections']} -d{settings['duration_s']}s --latency; "
        f"each row {settings['rounds']} times in turn, medians.\n"
    )
    print("Responses (warm-up):")
    for check in results["checks"]:
        print(f"  {check['page']}: {check['status']}, {check['bytes']} bytes ({check['encoding']})")
    print()
    print_table(results["pages"])
    for row in results["pages"]:
        if row["socket_errors"]:
            print(f"  {row['page']}: {row['socket_errors_detail']}")

    print("\nFirst load of / (as sent, Accept-Encoding: br, gzip):")
    total = 0
    width = max(len(item["resource"]) for item in results["first_load"])
    for item in results["first_load"]:
        total += item["bytes"]
        print(
            f"  {item['resource'].ljust(width)}  {item['bytes']:>7} bytes  "
            f"{item['bytes'] / 1024:6.1f} KB  ({item['encoding']})"
        )
    print(f"  {'total'.ljust(width)}  {total:>7} bytes  {total / 1024:6.1f} KB")
    results["first_load_total_bytes"] = total

    info = results["machine"]
    print(
        f"\nMachine: nproc {info['nproc']}, {info['platform']}, Python {info['python']}; "
        f"{info['date']}; run took {info['elapsed_s']} s."
    )


if __name__ == "__main__":
    main()
