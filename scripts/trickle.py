"""Slow clients that trickle their request headers, and ordinary requests timed meanwhile.

Used by tests/test_deploy.py (through nginx, and gunicorn as `make run` starts it).
Loopback only; everything stops by itself after ``duration`` seconds.

A trickling client sends a request line, then one header line every ``interval``
seconds and never the blank line that ends the headers: a server that gives it a
worker (or a thread) until the headers are complete loses that worker. When the
server closes the connection, the client opens a new one, as an attacker would.
"""

import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

ANSWERED_WITHIN = 2.0  # seconds: an ordinary request slower than this counts as starved
# Seconds each prober, a reader, waits between its requests: starvation is what slow
# clients cause; a prober at full speed would measure a flood instead.
PAUSE = 0.05


def _trickle(host, port, interval, stop, counts, body=False):
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=5) as sock:
                counts["connections"] += 1
                if body:  # whole headers, then a body that never ends
                    head = (
                        f"POST /api/codes/ HTTP/1.1\r\nHost: {host}\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: 1000000\r\n\r\n"
                    )
                else:
                    head = f"GET /?q=slow HTTP/1.1\r\nHost: {host}\r\n"
                sock.sendall(head.encode())
                line = 0
                while not stop.wait(interval):
                    line += 1
                    chunk = f"a={line}&" if body else f"X-Trickle-{line}: {'a' * 20}\r\n"
                    sock.sendall(chunk.encode())
        except OSError:
            counts["closed_by_server"] += 1
            stop.wait(0.2)


def _ordinary(base, paths, stop, results, lock):
    number = 0
    while not stop.wait(PAUSE):
        number += 1
        path = paths[number % len(paths)].replace("{unique}", secrets.token_hex(4))
        started = time.monotonic()
        try:
            request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = None
        with lock:
            results.append((status, time.monotonic() - started))


def run(base, connections=16, duration=20, interval=1.0, probers=4, paths=None, body=False):
    """Trickle ``connections`` clients at ``base`` while timing ordinary requests.

    ``body``: the clients send whole headers, then trickle a request body instead.

    Returns a dict: requests, answered_in_time (status 200 within ANSWERED_WITHIN),
    share, slowest, failed, tricklers' connections and server closes.
    """
    paths = paths or ["/", "/404/", "/?q=timeout", "/?q={unique}", "/418/", "/?q=redirect"]
    parts = urlsplit(base)
    stop = threading.Event()
    counts = {"connections": 0, "closed_by_server": 0}
    results, lock = [], threading.Lock()
    tricklers = [
        threading.Thread(
            target=_trickle,
            args=(parts.hostname, parts.port, interval, stop, counts, body),
            daemon=True,
        )
        for _ in range(connections)
    ]
    for thread in tricklers:
        thread.start()
    time.sleep(min(3.0, duration / 4))  # let the tricklers take whatever they can
    ordinary = [
        threading.Thread(target=_ordinary, args=(base, paths, stop, results, lock), daemon=True)
        for _ in range(probers)
    ]
    for thread in ordinary:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in ordinary + tricklers:
        thread.join(timeout=15)
    in_time = sum(1 for status, elapsed in results if status == 200 and elapsed <= ANSWERED_WITHIN)
    return {
        "requests": len(results),
        "answered_in_time": in_time,
        "share": in_time / len(results) if results else 0.0,
        "slowest": max((elapsed for _, elapsed in results), default=0.0),
        "failed": sum(1 for status, _ in results if status != 200),
        "trickler_connections": counts["connections"],
        "closed_by_server": counts["closed_by_server"],
    }


def describe(result, connections):
    return (
        f"{connections} trickling connections: {result['answered_in_time']}/{result['requests']} "
        f"ordinary requests 200 within {ANSWERED_WITHIN:.0f} s ({result['share']:.1%}), "
        f"slowest {result['slowest']:.2f} s, {result['failed']} failed; tricklers opened "
        f"{result['trickler_connections']} connections, {result['closed_by_server']} closed by "
        "the server"
    )


if __name__ == "__main__":
    import sys

    target = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    print(describe(run(target), 16))
