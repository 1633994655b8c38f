"""Instructions per request, counted by valgrind: the benchmark no neighbour can disturb.

Run by ``make instructions`` (after ``make setup``). On a shared machine,
requests/s and even CPU time drift by tens of percent (scripts/bench.py says
how much); the number of instructions a request executes does not. This starts
the benchmark's gunicorn (scripts/bench_settings.py, with the floor view) under
callgrind with one sync worker, warms each case up, then sends REQUESTS requests
one at a time and reads the worker's instruction count (callgrind_control)
before and after. Kernel work (the network) is not counted, only the process's.

Cases: the floor (``/__floor__/``, the bytes of ``/`` from memory), ``/`` from
the page cache, and a live search with a new query each time (the htmx partial),
all with gzip. Takes about two minutes: valgrind runs Python ~50x slower.
"""

import http.client
import os
import re
import shutil
import subprocess

import harness  #  (scripts/harness.py: server start and stop, free ports, workers)
from harness import BASE_DIR, fail

REQUESTS = int(os.environ.get("INSTRUCTIONS_REQUESTS", "200"))
WARMUP = 20
STARTUP_TIMEOUT = 600  # seconds: Django under valgrind boots slowly
WORDS = ["timeout", "redirect", "gateway", "not+found", "teapot", "auth"]
CASES = {
    "floor": ("/__floor__/", {}),
    "/ (page cache)": ("/", {}),
    "search, new query each request": ("/?q={word}&n={number}", {"HX-Request": "true"}),
}


def get(port, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip", **headers})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def instructions(pid):
    out = subprocess.run(
        ["callgrind_control", "-e", "Ir", str(pid)], capture_output=True, text=True, check=True
    ).stdout
    counts = re.findall(r"^\s+Th \d+\s+([\d,]+)", out, re.M)
    if not counts:
        fail(f"callgrind_control printed no count:\n{out}")
    return sum(int(count.replace(",", "")) for count in counts)


def main():
    for tool in ("valgrind", "callgrind_control"):
        if not shutil.which(tool):
            fail(f"{tool} is not installed (Debian: apt-get install valgrind).")
    port = harness.free_port()
    log_path = BASE_DIR / "bench-results" / "instructions-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {
        "WEB_CONCURRENCY": "1",
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_THREADS": "1",
        "GUNICORN_TIMEOUT": str(STARTUP_TIMEOUT),
        "GUNICORN_MAX_REQUESTS": "0",
    }
    valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes"]
    valgrind.append("--callgrind-out-file=/dev/null")
    with open(log_path, "w") as log_file:
        process = harness.start_server(
            port, log_file, "bench_settings", extra_env=env, prefix=valgrind
        )
        try:
            # Django boots and renders its first page ~50x slower under valgrind.
            url = f"http://127.0.0.1:{port}/"
            harness.wait_for_url(url, process, log_path, STARTUP_TIMEOUT, request_timeout=120)
            worker = harness.workers_of(process.pid)[0]
            results = {}
            for name, (path, headers) in CASES.items():
                for number in range(WARMUP):
                    get(port, path.format(word=WORDS[number % 6], number=f"w{number}"), headers)
                before = instructions(worker)
                for number in range(REQUESTS):
                    status = get(port, path.format(word=WORDS[number % 6], number=number), headers)
                    if status != 200:
                        fail(f"{name} answered {status}")
                results[name] = (instructions(worker) - before) / REQUESTS
                print(f"{name}: {results[name] / 1e6:.2f} M instructions a request", flush=True)
        except RuntimeError as error:
            fail(str(error))
        finally:
            harness.stop(process)
    floor = results["floor"]
    print(f"\nRatio to the floor ({REQUESTS} requests each, one sync worker, gzip):")
    for name, count in results.items():
        print(f"  {name}: {floor / count:.2f}")


if __name__ == "__main__":
    main()
