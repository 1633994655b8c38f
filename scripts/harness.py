"""What the benchmark, the load test, the cache measurement, the deploy stack and its
tests all need to drive servers on loopback: one copy of each helper.

Processes: a free port, gunicorn as `make run` starts it, any other server in its
own process group, waiting until a URL answers, stopping them all. Measurements:
the workers of a gunicorn master and their memory (RSS, from /proc), wrk run and
its figures parsed, and a flood of distinct URLs. Linux only (/proc).
"""

import contextlib
import http.client
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONF = BASE_DIR / "statuscodes" / "gunicorn.conf.py"
STARTUP_TIMEOUT = 30  # seconds for a server to answer
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL
# Debian's Chromium (never a downloaded one), as the browser tests and the captures run it.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What Chromium sends as Accept for a page: the tests' browser, without a browser.
CHROMIUM_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def fail(message):
    """Print ``message`` under the running script's name and exit 1."""
    print(f"{Path(sys.argv[0]).stem}: {message}", file=sys.stderr)
    sys.exit(1)


# --- processes --------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def secret_key():
    path = BASE_DIR / "data" / "secret_key"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    print("harness: data/secret_key is missing; using a random key for this run.")
    return secrets.token_urlsafe(50)


def spawn(command, log_file=None, env=None, cwd=BASE_DIR):
    """``command`` in a process group of its own (so that stop() reaches its children)."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file if log_file is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_server(port, log_file, settings_module="statuscodes.settings", extra_env=None, prefix=()):
    """gunicorn as `make run` starts it, on 127.0.0.1:port; ``extra_env`` is applied last.

    The SQLite database of `make setup` and the per-process cache (DATABASE_URL and
    REDIS_URL are dropped unless ``extra_env`` sets them), production settings, no
    access log. ``prefix``: a command to run it under (scripts/instructions.py: valgrind).
    """
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY=secret_key(),
        DJANGO_SETTINGS_MODULE=settings_module,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        # The config logs every request to stdout; a measurement should not measure that.
        GUNICORN_ACCESSLOG="",
        GUNICORN_CMD_ARGS="",
        # The benchmark's settings and URLs live in scripts/, outside the project package.
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(BASE_DIR / "scripts"), env.get("PYTHONPATH")])
        ),
    )
    env.update(extra_env or {})
    command = [*prefix, sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)]
    return spawn(command, log_file, env)


def gunicorn_config():
    """The settings statuscodes/gunicorn.conf.py computes in this environment."""
    return runpy.run_path(str(GUNICORN_CONF))


def stop_all(processes, grace=STOP_TIMEOUT):
    """SIGTERM every process group at once, SIGKILL what is left after ``grace`` seconds."""
    alive = [p for p in processes if p is not None and p.poll() is None]
    for process in alive:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in alive:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)


def stop(process, grace=STOP_TIMEOUT):
    stop_all([process], grace)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url, headers=None, timeout=10):
    """(status, headers, body as sent) without following redirects or decoding."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 3xx, 4xx, 5xx still have headers and a body
        with error:
            return error.code, error.headers, error.read()


def wait_for_url(url, process, log_path, timeout=STARTUP_TIMEOUT, request_timeout=2):
    """Return once ``url`` answers 200; RuntimeError (with the log's tail) if ``process``
    exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            if fetch(url, timeout=request_timeout)[0] == 200:
                return
        time.sleep(0.2)
    state = (
        f"exited with code {process.returncode}"
        if process.poll() is not None
        else f"did not answer 200 within {timeout} s"
    )
    log_path = Path(log_path)
    tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
    raise RuntimeError(f"{url}: {state}. Last lines of {log_path}:\n{tail}")


def wait_for_port(port, process, timeout=15):
    """Return once 127.0.0.1:port accepts connections (a server that is not HTTP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing accepted connections on port {port} within {timeout} s")


def start_redis(directory, port, config=None, *options):
    """Debian's redis-server on 127.0.0.1:port, files in ``directory``; returns once it
    accepts connections. Without ``config``: no persistence, loopback only."""
    command = [_which("redis-server")]
    if config is None:
        command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    else:
        command.insert(1, str(config))
    command += ["--port", str(port), "--dir", str(directory), "--daemonize", "no"]
    command += ["--logfile", str(Path(directory) / "redis.log"), *options]
    process = spawn(command)
    try:
        wait_for_port(port, process)
    except RuntimeError:
        stop(process)
        raise
    return process


# --- gunicorn's workers -------------------------------------------------------------------


def _stat(pid):
    """(state, parent pid) from /proc/<pid>/stat, or None once the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def alive(pid):
    """Running, not a zombie. A zombie child of ours is reaped on the way."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def workers_of(master_pid):
    """Live (not zombie) children of a gunicorn master, sorted."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(entry)
            if stat is not None and stat[1] == master_pid and stat[0] != "Z":
                pids.append(int(entry))
    return sorted(pids)


def wait_for_workers(master_pid, count, timeout, gone=()):
    """Seconds until the master has ``count`` workers, none of them in ``gone``; else None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pids = workers_of(master_pid)
        if len(pids) == count and not set(pids) & set(gone):
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def rss_mb(pid):
    """Resident memory (VmRSS) of ``pid`` in MB, or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def workers_rss_mb(master_pid):
    """{worker pid: RSS in MB} of a gunicorn master's live workers."""
    sizes = {pid: rss_mb(pid) for pid in workers_of(master_pid)}
    return {pid: size for pid, size in sizes.items() if size is not None}


# --- load ---------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(value):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if not match:
        raise ValueError(f"unexpected wrk time {value!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output):
    """Requests/s, p50 and p99 (ms), non-2xx/3xx and socket errors from wrk's text."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ", output, re.M)
    non_2xx = re.search(r"^\s+Non-2xx or 3xx responses:\s+(\d+)", output, re.M)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rps and p50 and p99 and total):
        raise ValueError("could not parse wrk's output:\n" + output)
    return {
        "requests": int(total[1]),
        "rps": float(rps[1]),
        "p50_ms": _ms(p50[1]),
        "p99_ms": _ms(p99[1]),
        "non_2xx_3xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
        "socket_errors_detail": sockets[0] if sockets else "",
    }


def start_wrk(url, duration, connections=32, threads=2, script=None, headers=None, timeout=None):
    """wrk against ``url`` in the background; finish_wrk() collects its figures.

    ``timeout``: wrk's --timeout (a slower response counts as a socket error).
    """
    wrk = _which("wrk")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if timeout:
        command += ["--timeout", timeout]
    if script:
        command += ["-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    process = subprocess.Popen(
        [*command, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.wrk_duration = duration
    return process


def finish_wrk(process, stop=False):
    """parse_wrk()'s figures of a started wrk, and its whole output as ``output``.

    ``stop``: end it now rather than at its duration (on SIGINT wrk reports what it did).
    """
    if stop:
        process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=process.wrk_duration + 30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{out}{err}")
    return {**parse_wrk(out), "output": out}


def run_wrk(url, duration, **options):
    """wrk against ``url`` for ``duration`` seconds (start_wrk's options); its figures."""
    return finish_wrk(start_wrk(url, duration, **options))


def _which(program):
    path = shutil.which(program)
    if path is None:
        raise RuntimeError(f"{program} is not installed (`make system-deps`)")
    return path


def flood(base, paths, clients=4, max_seconds=None):
    """Request each of ``paths`` once, over ``clients`` keep-alive connections at once.

    A path is a string, or (path, extra headers); every request asks for gzip.
    Returns {"sent", "failed" (not 200, or no answer), "seconds"}; ``max_seconds``
    stops early (a loaded machine), and ``sent`` says how many went.
    """
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    deadline = time.monotonic() + max_seconds if max_seconds else None
    counts = {"sent": 0, "failed": 0}
    lock = threading.Lock()

    def client(share):
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        sent = failed = 0
        for item in share:
            if deadline is not None and time.monotonic() > deadline:
                break
            path, headers = (item, {}) if isinstance(item, str) else item
            sent += 1
            try:
                connection.request("GET", path, headers={"Accept-Encoding": "gzip", **headers})
                response = connection.getresponse()
                response.read()
                failed += response.status != 200
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
        connection.close()
        with lock:
            counts["sent"] += sent
            counts["failed"] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(paths[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**counts, "seconds": time.monotonic() - started}
