"""The production topology of deploy/, end to end: nginx, two gunicorns, PostgreSQL, Redis.

scripts/stack.py starts it all on loopback (under scripts/with_postgres.py), as
`make deploy` does; these tests drive it over HTTP and break parts of it: the
fault drills (floods, slow clients, a worker or an instance killed, PostgreSQL
and Redis stopped) all run here, on this one stack (`make loadtest` measures load
only). They run in order: the destructive ones (Redis stopped, an instance killed)
come last. Marked ``deploy``: `make test` runs them once, in the SQLite pass (they
bring their own PostgreSQL). Figures go to bench-results/deploy.json.
"""

import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import harness  # scripts/, on pytest's path (pyproject.toml)
import pytest
import trickle
import with_postgres

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.deploy

STARTUP_TIMEOUT = 300  # a loaded CI machine migrates slowly
MICRO_CACHE = 1.0  # seconds nginx keeps a public page (deploy/nginx-statuscodes.conf)
FAIL_TIMEOUT = 2.0  # seconds nginx leaves an instance alone after it failed (same file)
MIN_SPEEDUP = float(os.environ.get("DEPLOY_MIN_SPEEDUP", "10"))
FLOOD_MAX_GROWTH_MB = 30  # a worker's memory after a flood of unique URLs (README's goal)
FIGURES = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    for program in ("nginx", "redis-server", "wrk"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            pytest.fail(f"{program} is not installed: run `make system-deps`")
    tmp = tmp_path_factory.mktemp("stack")
    state_path = tmp / "state.json"
    log_path = tmp / "stack.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                str(BASE_DIR / "scripts" / "with_postgres.py"),
                sys.executable,
                str(BASE_DIR / "scripts" / "stack.py"),
                "--state",
                str(state_path),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not state_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the stack did not start:\n" + log_path.read_text()[-4000:])
            time.sleep(0.5)
        state = json.loads(state_path.read_text())
        state["log"] = log_path
        state["started"] = []  # instances a test started (a new release): stopped here
        yield state
    finally:
        harness.stop_all(state.get("started", []) if "state" in locals() else [])
        # with_postgres.py stops stack.py, which stops the rest, then PostgreSQL.
        harness.stop(process, grace=60)
        if FIGURES:
            (BASE_DIR / "bench-results").mkdir(exist_ok=True)
            (BASE_DIR / "bench-results" / "deploy.json").write_text(json.dumps(FIGURES, indent=2))


def get(url, **headers):
    return harness.fetch(url, {"Accept-Encoding": "identity", **headers})


def text(url, **headers):
    status, _, body = get(url, **headers)
    return status, body.decode(errors="replace")


class _Form(HTMLParser):
    """The fields of the admin's change form, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._textarea, self._select = [], False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and re.search(r"^login-form$|_form$", attrs.get("id", "")):
            self._in_form = True
        if not self._in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append(
                [attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")]
            )
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append([self._select, attrs.get("value", "")])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self._textarea[1].startswith("\n"):  # HTML drops the first newline
                self._textarea[1] = self._textarea[1][1:]
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


class Browser:
    """Cookies and CSRF, as a browser session against one base URL."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, path, data=None):
        body = (
            urllib.parse.urlencode([tuple(f) for f in data]).encode() if data is not None else None
        )
        request = urllib.request.Request(self.base + path, data=body)
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode()

    def form(self, path):
        status, _, html = self.open(path)
        assert status == 200, path
        parser = _Form()
        parser.feed(html)
        return parser.fields


def test_an_editors_save_through_one_instance_shows_everywhere_on_the_next_request(stack):
    nginx, a, b = stack["nginx"], stack["a"]["url"], stack["b"]["url"]
    marker = f"Edited through instance A {secrets.token_hex(4)}."
    for base in (nginx, b):  # warm nginx's micro-cache and B's page cache with the old text
        status, html = text(base + "/418/")
        assert status == 200 and marker not in html
    assert text(nginx + "/418/")[1] and get(nginx + "/418/")[1]["X-Cache-Status"] == "HIT"

    editor = Browser(a)
    fields = editor.form("/admin/login/?next=/admin/")
    fields = [f for f in fields if f[0] not in ("username", "password")]
    fields += [["username", stack["editor"]["username"]], ["password", stack["editor"]["password"]]]
    status, url, _ = editor.open("/admin/login/?next=/admin/", fields)
    assert status == 200 and url.endswith("/admin/"), "the editor could not sign in"
    fields = editor.form("/admin/reference/statuscode/418/change/")
    summary = next(field for field in fields if field[0] == "summary")
    summary[1] = f"{marker} {summary[1]}"  # one line: the summary refuses line breaks
    status, url, html = editor.open(
        "/admin/reference/statuscode/418/change/", [*fields, ["_save", "Save"]]
    )
    assert url.endswith("/admin/reference/statuscode/"), re.findall(
        r'class="errorlist[^<]*<li>([^<]*)', html
    )

    status, html = text(b + "/418/")  # the other instance, at once
    assert status == 200 and marker in html
    # nginx keeps a public page this long, no longer; it counts in whole seconds, so
    # a copy stored late in one second is still fresh until the second after next.
    time.sleep(MICRO_CACHE + 1.2)
    status, html = text(nginx + "/418/")
    assert status == 200 and marker in html
    status, html = text(nginx + "/?q=418")
    assert status == 200 and marker in html


def test_curl_and_a_browser_each_get_their_own_representation_through_nginx(stack):
    nginx = stack["nginx"]
    hits = []
    for _ in range(3):  # the micro-cache counts whole seconds: one round may straddle two
        rounds = []
        for accept in ("*/*", harness.CHROMIUM_ACCEPT, "*/*", harness.CHROMIUM_ACCEPT):
            status, headers, body = get(nginx + "/410/", Accept=accept)
            assert status == 200 and "Accept" in headers["Vary"]
            if accept == "*/*":
                assert headers["Content-Type"] == "text/plain; charset=utf-8"
                assert body.startswith(b"410 Gone\n")
            else:
                assert headers["Content-Type"].startswith("text/html")
                assert body.lower().startswith(b"<!doctype html>")
            rounds.append(headers["X-Cache-Status"])
        hits.append(rounds[2:] == ["HIT", "HIT"])
        if hits[-1]:
            break
        time.sleep(MICRO_CACHE + 1.2)
    assert hits[-1], "the second curl and the second browser were not both served from the cache"
    assert _curl(nginx + "/410/").startswith("410 Gone\n")  # Debian's curl itself


WRK = {"headers": {"Accept-Encoding": "gzip, br"}, "timeout": "5s"}


def _wrk(url, duration, connections=32, script=None):
    return harness.run_wrk(url, duration, connections=connections, script=script, **WRK)


def test_cached_pages_through_nginx_outrun_one_gunicorn(stack):
    path = "/404/"
    for base in (stack["nginx"], stack["a"]["url"]):
        assert get(base + path)[0] == 200
    direct = _wrk(stack["a"]["url"] + path, 3)
    proxied = _wrk(stack["nginx"] + path, 3)
    speedup = proxied["rps"] / direct["rps"]
    FIGURES["throughput"] = {
        "path": path,
        "one_gunicorn_rps": round(direct["rps"]),
        "nginx_rps": round(proxied["rps"]),
        "speedup": round(speedup, 1),
        "nginx_p99_ms": proxied["p99_ms"],
        "gunicorn_p99_ms": direct["p99_ms"],
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }
    print("throughput:", FIGURES["throughput"])
    assert proxied["non_2xx_3xx"] == 0 and proxied["socket_errors"] == 0
    assert speedup >= MIN_SPEEDUP, FIGURES["throughput"]


def test_slow_clients_through_nginx_do_not_starve_readers(stack):
    # Pages nginx does not rate-limit: the probers share one address with each other.
    paths = ["/", "/404/", "/418/", "/vendors/", "/compare/"]
    result = trickle.run(stack["nginx"], 150, duration=6, interval=2.0, paths=paths)
    FIGURES["slow_clients_nginx"] = {k: round(v, 3) for k, v in result.items()}
    print(trickle.describe(result, 150))
    assert result["requests"] >= 20
    assert result["share"] >= 0.95, trickle.describe(result, 150)


# -- Installed as the README says ---------------------------------------------------------


def test_the_readme_steps_install_into_debians_nginx_layout(stack):
    etc = Path(stack["nginx_conf"]).parent
    # Debian's own files, with its default site: the install disabled it, kept it available.
    assert "include " + str(etc) + "/sites-enabled/*;" in (etc / "nginx.conf").read_text()
    assert (etc / "sites-available" / "default").exists()
    assert not (etc / "sites-enabled" / "default").exists()
    for name in ("statuscodes", "statuscodes-tls"):
        assert (etc / "sites-enabled" / name).resolve() == (etc / "sites-available" / name)
    assert (etc / "snippets" / "statuscodes-locations.conf").exists()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    tmp = stack["dir"]
    checked = subprocess.run(
        [nginx, "-t", "-p", tmp, "-e", f"{tmp}/nginx-error.log", "-c", stack["nginx_conf"]],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    status, headers, _ = get(stack["nginx"] + "/404/")
    assert status == 200 and headers["Server"] == "nginx"  # server_tokens off: no version


def _curl(*args):
    done = subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_https_with_http2_and_canonical_https_urls(stack):
    tls = stack["https"]
    origin = f"https://{tls['domain']}:{tls['port']}"
    common = ["--cacert", tls["cert"], "--resolve", f"{tls['domain']}:{tls['port']}:127.0.0.1"]
    out = _curl(*common, "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                origin + "/404/")  # fmt: skip
    assert out == "2 200"
    robots = _curl(*common, origin + "/robots.txt")
    assert f"Sitemap: {origin}/sitemap.xml" in robots
    api = json.loads(_curl(*common, origin + "/api/codes/418/"))
    assert api["url"] == f"{origin}/418/"
    # A TLS client naming no host this site serves is refused in the handshake.
    refused = subprocess.run(
        ["curl", "-sS", "-k", "-o", "/dev/null", f"https://127.0.0.1:{tls['port']}/"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "unrecognized name" in refused.stderr


# -- What a stranger can send ------------------------------------------------------------


def _raw(base, request, timeout=5):
    """Send ``request`` as bytes; the status code, or None when the server hung up."""
    parts = urllib.parse.urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    match = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return int(match.group(1)) if match else None, data


def _ask(base, path, host):
    return _raw(base, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")


def test_unknown_host_names_are_refused_and_each_name_has_its_own_cache_entry(stack):
    nginx = stack["nginx"]
    for host in ("evil.example", "localhost"):  # localhost: Django would accept it
        status, _ = _ask(nginx, "/404/", f"{host}")
        assert status is None, host  # nginx closed the connection (444), nothing cached
    port = urllib.parse.urlsplit(nginx).port
    for host in ("127.0.0.1", "statuscodes.test", "127.0.0.1"):
        status, data = _ask(nginx, "/robots.txt", f"{host}:{port}")
        assert status == 200 and f"Sitemap: http://{host}:{port}/".encode() in data, host
    # Load balancers probe by address: health checks answer whatever the Host.
    for base in (nginx, stack["a"]["url"]):
        status, data = _ask(base, "/healthz", "10.1.2.3")
        assert status == 200 and data.endswith(b"ok\n"), base


def _worker_rss_mb(master_pid):
    """The RSS of all the master's workers together."""
    sizes = harness.workers_rss_mb(master_pid)
    assert sizes, f"gunicorn {master_pid} has no workers"
    return sum(sizes.values())


def test_a_host_port_flood_through_nginx_leaves_memory_bounded(stack):
    nginx = stack["nginx"]
    paths = ("/404/", "/418/", "/robots.txt", "/compare/")
    for path in paths:  # warm
        _ask(nginx, f"{path}", "127.0.0.1")
    before = _worker_rss_mb(stack["a"]["pid"]) + _worker_rss_mb(stack["b"]["pid"])
    statuses = set()
    for number in range(1500):
        host = f"127.0.0.1:{1024 + number}"
        path = paths[number % len(paths)]
        status, _ = _ask(nginx, f"{path}", f"{host}")
        statuses.add(status)
    after = _worker_rss_mb(stack["a"]["pid"]) + _worker_rss_mb(stack["b"]["pid"])
    FIGURES["host_port_flood_nginx"] = {"requests": 1500, "growth_mb": round(after - before, 1)}
    print("host-port flood through nginx:", FIGURES["host_port_flood_nginx"])
    assert statuses == {200}
    assert after - before < 30


CODE_PAGES = ("/200/", "/301/", "/304/", "/404/", "/418/", "/429/", "/500/", "/503/")
SEARCH_WORDS = ("timeout", "redirect", "teapot", "gone", "proxy", "cache", "auth")


def _unique_urls(start, count):
    """URLs nobody asked before, each a rendering of its own: code pages with a distinct
    search to go back to, one in ten a distinct search."""
    return [
        f"/?q={SEARCH_WORDS[n % len(SEARCH_WORDS)]}+{n}"
        if n % 10 == 0
        else f"{CODE_PAGES[n % len(CODE_PAGES)]}?q=x{n}"
        for n in range(start, start + count)
    ]


def test_a_unique_url_flood_goes_to_redis_not_into_the_workers(stack):
    import redis

    base, master = stack["a"]["url"], stack["a"]["pid"]  # no nginx: every URL reaches A
    assert harness.flood(base, _unique_urls(0, 60), clients=6)["failed"] == 0  # warm
    client = redis.Redis.from_url(stack["redis"]["url"])
    entries = client.dbsize()
    before = harness.workers_rss_mb(master)
    flood = harness.flood(base, _unique_urls(1000, 1500), clients=6)
    after = harness.workers_rss_mb(master)
    stored = client.dbsize() - entries
    redis_mb = client.info("memory")["used_memory"] / 2**20
    client.close()
    growth = {pid: after[pid] - before[pid] for pid in before if pid in after}
    FIGURES["unique_url_flood_redis"] = {
        **{key: round(value, 1) for key, value in flood.items()},
        "entries_stored_in_redis": stored,
        "redis_used_mb": round(redis_mb, 1),
        "worker_growth_mb": [round(mb, 1) for mb in growth.values()],
    }
    print("unique-URL flood, Redis:", FIGURES["unique_url_flood_redis"])
    assert flood["sent"] == 1500 and flood["failed"] == 0
    assert stored >= 1500  # every rendering went to Redis...
    assert len(growth) == len(before) == 3  # (no worker died)
    assert max(growth.values()) < FLOOD_MAX_GROWTH_MB  # ...and the workers stayed small


def _5xx_script(tmp_path, path_expression):
    """A wrk script requesting ``path_expression`` (Lua) and counting answers >= 500.

    Each connection waits 20 ms before each request (at most 50 requests a second): a
    steady load of readers, not the most the machine can take. Requests are in flight
    whenever a fault strikes, and the CPU is left to the suite's other process."""
    script = tmp_path / "count5xx.lua"
    script.write_text(
        "function delay() return 20 end\n"
        "local threads = {}\n"
        "function setup(thread) table.insert(threads, thread) end\n"
        "function init(args) n = 0; errors = 0 end\n"
        "function request()\n"
        "  n = n + 1\n"
        f"  return wrk.format('GET', {path_expression})\n"
        "end\n"
        "function response(status, headers, body)\n"
        "  if status >= 500 then errors = errors + 1 end\n"
        "end\n"
        "function done(summary, latency, requests)\n"
        "  local total = 0\n"
        "  for _, thread in ipairs(threads) do total = total + thread:get('errors') end\n"
        "  io.write('5xx: ' .. total .. '\\n')\n"
        "end\n"
    )
    return script


def _count_5xx(output):
    return int(re.search(r"^5xx: (\d+)$", output, re.M).group(1))


def test_anonymous_try_it_5xx_never_take_an_instance_out_of_nginx(stack, tmp_path):
    # Readers' requests that reach an instance (a path nobody asked before: a 404).
    script = _5xx_script(
        tmp_path, "'/no-such-page-' .. math.random(1, 1000000000) .. '-' .. n .. '/'"
    )
    attacker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, urllib.request\n"
            "end = time.monotonic() + 6\n"
            "while time.monotonic() < end:\n"
            "    for code in (503, 502, 504, 500):\n"
            "        try: urllib.request.urlopen(sys.argv[1] + f'/try/{code}/', timeout=5)\n"
            "        except Exception: pass\n",
            stack["nginx"],
        ]
    )
    result = _wrk(stack["nginx"] + "/", 6, connections=8, script=script)
    attacker.wait(timeout=30)
    errors = _count_5xx(result["output"])
    FIGURES["try_5xx"] = {"reader_requests": result["requests"], "reader_5xx": errors}
    print("readers during /try/50x/:", FIGURES["try_5xx"])
    assert errors == 0, result["output"]
    log = Path(stack["dir"], "nginx-error.log").read_text(errors="replace")
    assert "no live upstreams" not in log


def test_a_bogus_session_cookie_is_rate_limited_and_readers_are_not(stack):
    url = stack["nginx"] + "/404/"
    figures = harness.run_wrk(url, 3, connections=16, headers={"Cookie": "sessionid=x"})
    passed = figures["requests"] - figures["non_2xx_3xx"]  # the rest were 429s from nginx
    answers = [get(url, Cookie="sessionid=anything") for _ in range(60)]  # more than the burst
    status, headers, body = next(answer for answer in answers if answer[0] != 200)
    assert status == 429 and headers["Retry-After"].isdigit() and b"Too Many Requests" in body
    without = _wrk(url, 3, connections=16)
    FIGURES["bogus_session_cookie"] = {
        "rps_with_cookie": round(figures["rps"]),
        "reached_gunicorn_with_cookie": passed,
        "rps_without_cookie": round(without["rps"]),
    }
    print("bogus session cookie:", FIGURES["bogus_session_cookie"])
    assert passed <= 10 * 3 + 40 + 10  # rate x seconds + burst, and slack for timing
    assert without["non_2xx_3xx"] == 0 and without["socket_errors"] == 0
    time.sleep(2)  # the limit forgets: the next test starts afresh


def test_redis_asks_for_a_password_and_its_entries_are_never_unpickled_unsigned(stack, tmp_path):
    import pickle

    import redis

    anonymous = redis.Redis(port=stack["redis"]["port"])
    with pytest.raises(redis.exceptions.AuthenticationError):
        anonymous.get("anything")
    anonymous.close()

    canary = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {canary}",))

    client = redis.Redis.from_url(stack["redis"]["url"])
    # Searches live in Redis only (workers keep plain pages in memory too).
    assert text(stack["a"]["url"] + "/?q=teapot")[0] == 200
    keys = list(client.scan_iter(count=1000))
    assert keys
    for key in keys:  # every page anyone could be served, replaced by a hostile pickle
        client.set(key, pickle.dumps(Payload()), keepttl=True)
    client.close()
    for base in (stack["a"]["url"], stack["b"]["url"]):
        for path in ("/?q=teapot", "/418/"):
            status, html = text(base + path)
            assert status == 200 and "teapot" in html and "</html>" in html, (base, path)
    assert not canary.exists()
    logs = "".join(Path(stack[name]["log"]).read_text(errors="replace") for name in "ab")
    assert "without our signature" in logs


def _time_wait():
    """Loopback TCP connections in TIME_WAIT, as (local port, remote port) pairs.

    The side that closed a connection first is the one that keeps it in TIME_WAIT.
    """
    pairs = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if state == "06":
            pairs.add((int(local.split(":")[1], 16), int(remote.split(":")[1], 16)))
    return pairs


def test_nginx_lets_an_idle_connection_to_an_instance_go_before_gunicorn_does(stack):
    # Otherwise a request nginx sends just as gunicorn closes the connection is reset:
    # a failure that takes a healthy instance out of nginx for FAIL_TIMEOUT.
    ports = {int(stack[name]["url"].rsplit(":", 1)[1]) for name in "ab"}
    before = _time_wait()
    for _ in range(8):  # pages nobody asked before, so both instances answer some
        assert get(stack["nginx"] + f"/no-such-page-{secrets.token_hex(4)}/")[0] == 404
    time.sleep(4)  # longer than either side's idle timeout (gunicorn's is 2 s, checked each 1 s)
    closed = _time_wait() - before
    by_gunicorn = {pair for pair in closed if pair[0] in ports}
    by_nginx = {pair for pair in closed if pair[1] in ports}
    assert by_nginx and not by_gunicorn, (by_nginx, by_gunicorn)


def test_a_killed_worker_is_replaced_and_readers_lose_at_most_its_requests(stack, tmp_path):
    # Paths nobody asked before reach an instance (searches would meet the rate limit).
    script = _5xx_script(
        tmp_path, "'/no-such-page-' .. math.random(1, 1000000000) .. '-' .. n .. '/'"
    )
    master = stack["b"]["pid"]
    workers = harness.workers_of(master)
    error_log = Path(stack["dir"], "nginx-error.log")
    logged_before = error_log.stat().st_size
    wrk = harness.start_wrk(stack["nginx"] + "/", 30, connections=16, script=script, **WRK)
    try:
        time.sleep(2)
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        replaced_in = harness.wait_for_workers(master, len(workers), 10, gone=[victim])
        time.sleep(2)  # readers go on, the new worker among the rest
    finally:
        result = harness.finish_wrk(wrk, stop=True)
    failed = _count_5xx(result["output"]) + result["socket_errors"]
    in_flight = int(stack["env"]["GUNICORN_THREADS"])  # what one gthread worker serves at once
    FIGURES["kill_worker"] = {
        "workers": len(workers),
        "replaced_in_s": replaced_in and round(replaced_in, 2),
        "requests": result["requests"],
        "failed": failed,
        "allowed": in_flight,
    }
    print("worker killed:", FIGURES["kill_worker"])
    assert replaced_in is not None, "gunicorn did not replace the killed worker within 10 s"
    with error_log.open(errors="replace") as log:
        log.seek(logged_before)
        errors = [line for line in log if "[error]" in line and "no live upstreams" not in line]
    # A's connections are never reset: nginx lets an idle one go before gunicorn does
    # (upstream keepalive_timeout), so only B's in-flight requests can fail and nginx
    # always has A. (A reset one took A out too, and readers got 502s from both.)
    a_port = stack["a"]["url"].rsplit(":", 1)[1]
    assert not [line for line in errors if f"127.0.0.1:{a_port}/" in line], errors
    assert failed <= in_flight, result["output"] + "".join(errors[-20:])
    for _ in range(2 * len(workers)):  # and B itself answers, with its new worker
        assert text(stack["b"]["url"] + f"/?q=after-kill-{secrets.token_hex(3)}")[0] == 200
    assert "Traceback" not in Path(stack["b"]["log"]).read_text(errors="replace")


def test_a_rolling_update_under_load_fails_no_request(stack, tmp_path):
    # A new release's instance brings a static file the old one does not have.
    release = tmp_path / "static-new"
    shutil.copytree(BASE_DIR / "staticfiles", release)
    (release / "reference" / "new-in-this-release.css").write_text("body{}\n")
    script = _5xx_script(tmp_path, "(n % 2 == 0) and '/404/' or ('/no-such-' .. n .. '/')")
    # A request counts as failed if it errs or gets no answer in 15 s: the suite's other
    # process (browsers) shares the 2 cores, and a slow answer is still an answer. It runs
    # until both instances are updated (90 s at most).
    wrk = harness.start_wrk(stack["nginx"] + "/", 90, connections=8, script=script, timeout="15s")
    time.sleep(2)
    for name in "ab":  # one instance at a time, as the README's update steps
        old = stack[name]
        os.killpg(old["pid"], signal.SIGTERM)  # gunicorn's graceful stop
        deadline = time.monotonic() + 30
        # (stack.py reaps its children only when it stops: a zombie is gone.)
        while harness.alive(old["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        port = urllib.parse.urlsplit(old["url"]).port
        log = open(Path(stack["dir"]) / f"gunicorn-{name}-new.log", "w")  # noqa: SIM115
        new = harness.start_server(
            port, log, extra_env={**stack["env"], "DJANGO_STATIC_ROOT": str(release)}
        )
        stack["started"].append(new)
        harness.wait_for_url(old["url"] + "/", new, log.name, timeout=60)
        old["pid"], old["log"] = new.pid, log.name
        time.sleep(FAIL_TIMEOUT + 0.5)  # nginx tries a failed instance again after this
        if name == "a":  # mid-update: the new file is there, through nginx, every time
            for _ in range(6):
                path = "/static/reference/new-in-this-release.css"
                assert get(stack["nginx"] + path)[0] == 200
    figures = harness.finish_wrk(wrk, stop=True)
    errors = _count_5xx(figures["output"])
    FIGURES["rolling_update"] = {
        "requests": figures["requests"],
        "5xx": errors,
        "socket_errors": figures["socket_errors"],
    }
    print("rolling update:", FIGURES["rolling_update"])
    assert errors == 0 and figures["socket_errors"] == 0, figures["output"]


@contextlib.contextmanager
def _make_run(stack, log_path, **extra_env):
    """gunicorn as `make run` starts it (no nginx, the per-process cache), on the stack's
    PostgreSQL; yields (base URL, gunicorn master)."""
    env = {
        key: value
        for key, value in stack["env"].items()
        if not key.startswith("GUNICORN_") and key not in ("DJANGO_TRUSTED_PROXIES", "REDIS_URL")
    }
    port = harness.free_port()
    with open(log_path, "w") as log:
        server = harness.start_server(port, log, extra_env={**env, **extra_env})
    base = f"http://127.0.0.1:{port}"
    try:
        harness.wait_for_url(base + "/", server, log_path, timeout=60)
        yield base, server
    finally:
        harness.stop(server)


def test_slow_clients_cannot_starve_make_run(stack, tmp_path):
    with _make_run(stack, tmp_path / "gunicorn.log") as (base, server):
        for body in (False, True):  # trickled headers, then trickled bodies
            result = trickle.run(base, connections=150, duration=6, interval=2.0, body=body)
            name = "slow_bodies_make_run" if body else "slow_clients_make_run"
            FIGURES[name] = {k: round(v, 3) for k, v in result.items()}
            print(name, trickle.describe(result, 150))
            assert result["requests"] >= 20
            assert result["share"] >= 0.95, trickle.describe(result, 150)
        # And a Host naming another port is refused, so it cannot grow the page cache.
        before = _worker_rss_mb(server.pid)
        for number in range(1500):
            status, _ = _ask(base, "/404/", f"127.0.0.1:{1024 + number}")
            assert status == 421
        growth = _worker_rss_mb(server.pid) - before
        FIGURES["host_port_flood_make_run"] = {"requests": 1500, "growth_mb": round(growth, 1)}
        assert growth < 30


def test_a_unique_url_flood_grows_a_make_run_worker_only_up_to_its_cache_cap(stack, tmp_path):
    """One worker, the per-process cache (LocMem, 1,000 renderings at most): three times
    as many unique URLs. Its memory grows while the cache fills, then levels off."""
    settings = {"WEB_CONCURRENCY": "1", "GUNICORN_MAX_REQUESTS": "0"}
    with _make_run(stack, tmp_path / "gunicorn.log", **settings) as (base, server):
        assert harness.wait_for_workers(server.pid, 1, 30) is not None
        (worker,) = harness.workers_of(server.pid)
        assert harness.flood(base, _unique_urls(0, 100))["failed"] == 0  # warm
        sizes = [harness.rss_mb(worker)]
        floods = []
        for start in (1000, 3000):
            floods.append(harness.flood(base, _unique_urls(start, 1500)))
            sizes.append(harness.rss_mb(worker))
    first, second = sizes[1] - sizes[0], sizes[2] - sizes[1]
    FIGURES["unique_url_flood_make_run"] = {
        "requests": sum(flood["sent"] for flood in floods),
        "failed": sum(flood["failed"] for flood in floods),
        "seconds": round(sum(flood["seconds"] for flood in floods), 1),
        "rss_mb": [round(size, 1) for size in sizes],
    }
    print("unique-URL flood, make run:", FIGURES["unique_url_flood_make_run"])
    assert [flood["sent"] for flood in floods] == [1500, 1500]
    assert all(flood["failed"] == 0 for flood in floods)
    assert first + second < FLOOD_MAX_GROWTH_MB
    # Past the cap an entry replaces another: the second 1,500 add far less than the first.
    assert second < max(first / 2, 2.0), sizes


def test_readers_keep_reading_while_postgresql_is_stopped_and_all_recovers(stack):
    apps = (stack["a"]["url"], stack["b"]["url"])
    for base in apps:
        # Every worker must have loaded the data: one at a time, new connections
        # may all go to the same worker (whichever wakes first), so load them at once.
        warm = _wrk(base + "/readyz", 2, connections=12)
        ready = text(base + "/readyz")
        assert warm["non_2xx_3xx"] == 0 and warm["socket_errors"] == 0, (base, warm, ready)
    where = with_postgres.server_location(stack["database_url"])
    datadir, socket_dir = where["data_directory"], where["socket_dir"]
    stopped = with_postgres.pg_ctl(["stop", "-D", datadir, "-m", "fast", "-w"], socket_dir)
    assert stopped.returncode == 0, stopped.stderr
    try:
        # The admin's truthful 503s, through nginx: answers, not instance failures.
        for _ in range(4):  # a session to look up: the admin needs the database
            assert get(stack["nginx"] + "/admin/", Cookie="sessionid=some-session")[0] == 503
        for base in (*apps, stack["nginx"]):
            for number in range(6):
                started = time.monotonic()
                status, html = text(f"{base}/?q=outage+{number}")
                assert status == 200 and "as it was last loaded" in html, (base, status)
                assert time.monotonic() - started < 5, "an outage answer must not wait"
            status, body = text(base + "/readyz")
            assert status == 200 and "database: not answering" in body
            assert text(base + "/healthz") == (200, "ok\n")
        status, body = text(stack["a"]["url"] + "/api/codes/418/")
        assert status == 200 and json.loads(body)["code"] == 418
    finally:
        options = with_postgres.server_options(where["port"], socket_dir)
        log = os.path.join(socket_dir, "restarted.log")
        started = with_postgres.pg_ctl(
            ["start", "-D", datadir, "-l", log, "-w", "-o", options], socket_dir
        )
        assert started.returncode == 0, started.stderr
    deadline = time.monotonic() + 15
    for base in apps:  # back by itself: nothing restarted but PostgreSQL
        while "database: ok" not in text(base + "/readyz")[1]:
            assert time.monotonic() < deadline, f"{base} did not recover"
            time.sleep(0.2)
        for _ in range(6):
            status, html = text(base + "/404/")
            assert status == 200 and "as it was last loaded" not in html


def test_redis_entries_expire_and_pages_are_served_with_redis_stopped(stack):
    import redis

    client = redis.Redis.from_url(stack["redis"]["url"])
    keys = list(client.scan_iter(count=1000))
    assert keys, "nothing was cached in Redis"
    ttls = [client.ttl(key) for key in keys]
    assert all(ttl > 0 for ttl in ttls), f"entries without expiry: {ttls.count(-1)}"
    client.close()

    os.kill(stack["redis"]["pid"], signal.SIGTERM)
    time.sleep(1)
    for base in (stack["a"]["url"], stack["b"]["url"], stack["nginx"]):
        for number in range(6):
            status, html = text(f"{base}/?q=redis-{number}-{secrets.token_hex(3)}")
            assert status == 200 and "</html>" in html, (base, status)
        assert text(base + "/503/")[0] == 200
    log = Path(stack["a"]["log"]).read_text(errors="replace")
    logged = log.count("Redis cache unavailable")
    # Once per worker process (each has its own connection), never once per request.
    assert 1 <= logged <= 3, logged
    assert "Traceback" not in log


def test_killing_one_instance_costs_readers_nothing_beyond_requests_in_flight(stack, tmp_path):
    # Paths nobody asked before reach an instance (searches would meet the rate limit).
    script = _5xx_script(
        tmp_path, "'/no-such-page-' .. math.random(1, 1000000000) .. '-' .. n .. '/'"
    )
    killer = subprocess.Popen(
        ["sh", "-c", f"sleep 2; kill -KILL -{stack['a']['pid']}"], start_new_session=True
    )
    result = _wrk(stack["nginx"] + "/", 6, connections=16, script=script)
    killer.wait(timeout=10)
    with pytest.raises(OSError):  # A is gone: its port refuses connections
        get(stack["a"]["url"] + "/healthz")
    failed = _count_5xx(result["output"]) + result["socket_errors"]
    in_flight = 3 * 4  # A's workers x threads: the most it could have had in flight
    FIGURES["kill_instance"] = {
        "requests": result["requests"],
        "failed": failed,
        "allowed": in_flight,
        "rps": round(result["rps"]),
    }
    print("kill:", FIGURES["kill_instance"])
    assert failed <= in_flight, result["output"]
    for number in range(10):
        assert text(f"{stack['nginx']}/?q=after-{number}")[0] == 200
