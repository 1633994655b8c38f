"""The production topology of deploy/, end to end: nginx, two gunicorns, PostgreSQL, Redis.

scripts/stack.py starts it all on loopback (under scripts/with_postgres.py), as
`make deploy` does; these tests drive it over HTTP and break parts of it. They
run in order on one stack: the destructive ones (Redis stopped, an instance
killed) come last. Marked ``deploy``: `make test` runs them once, in the SQLite
pass (they bring their own PostgreSQL). Figures go to bench-results/deploy.json.
"""

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "scripts"))

import bench  # noqa: E402
import trickle  # noqa: E402

pytestmark = pytest.mark.deploy

STARTUP_TIMEOUT = 300  # a loaded CI machine migrates slowly
MICRO_CACHE = 1.0  # seconds nginx keeps a public page (deploy/nginx-statuscodes.conf)
MIN_SPEEDUP = float(os.environ.get("DEPLOY_MIN_SPEEDUP", "10"))
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
        yield state
    finally:
        process.terminate()  # with_postgres.py stops stack.py, which stops the rest
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if FIGURES:
            (BASE_DIR / "bench-results").mkdir(exist_ok=True)
            (BASE_DIR / "bench-results" / "deploy.json").write_text(json.dumps(FIGURES, indent=2))


def get(url, **headers):
    return bench.fetch(url, {"Accept-Encoding": "identity", **headers})


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
    time.sleep(MICRO_CACHE + 0.2)  # nginx keeps a public page this long, no longer
    status, html = text(nginx + "/418/")
    assert status == 200 and marker in html
    status, html = text(nginx + "/?q=418")
    assert status == 200 and marker in html


def _wrk(url, duration, connections=32, script=None):
    command = [shutil.which("wrk"), "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["-H", "Accept-Encoding: gzip, br", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    done = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 60)
    assert done.returncode == 0, done.stderr
    figures = bench.parse_wrk(done.stdout)
    figures["output"] = done.stdout
    return figures


def test_cached_pages_through_nginx_outrun_one_gunicorn(stack):
    path = "/404/"
    for base in (stack["nginx"], stack["a"]["url"]):
        assert get(base + path)[0] == 200
    direct = _wrk(stack["a"]["url"] + path, 5)
    proxied = _wrk(stack["nginx"] + path, 5)
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
    result = trickle.run(stack["nginx"], connections=16, duration=10)
    FIGURES["slow_clients_nginx"] = {k: round(v, 3) for k, v in result.items()}
    print(trickle.describe(result, 16))
    assert result["requests"] >= 20
    assert result["share"] >= 0.95, trickle.describe(result, 16)


def test_readers_keep_reading_while_postgresql_is_stopped_and_all_recovers(stack):
    import loadtest
    import with_postgres

    apps = (stack["a"]["url"], stack["b"]["url"])
    for base in apps:  # on new connections: every worker has loaded the data
        for _ in range(30):
            assert text(base + "/readyz")[0] == 200
    location = loadtest._server_location(stack["database_url"])
    user, bindir = with_postgres.service_user(), with_postgres.find_bin_dir()
    socket_dir = location["unix_socket_directories"].split(",")[0].strip()
    datadir, port = location["data_directory"], location["port"]
    stopped = loadtest._pg_ctl(
        user, bindir, ["stop", "-D", datadir, "-m", "fast", "-w"], socket_dir
    )
    assert stopped.returncode == 0, stopped.stderr
    try:
        for base in (*apps, stack["nginx"]):
            for number in range(6):
                status, html = text(f"{base}/?q=outage+{number}")
                assert status == 200 and "as it was last loaded" in html, (base, status)
            status, body = text(base + "/readyz")
            assert status == 200 and "database: not answering" in body
        status, body = text(stack["a"]["url"] + "/api/codes/418/")
        assert status == 200 and json.loads(body)["code"] == 418
    finally:
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={socket_dir}"
        log = os.path.join(socket_dir, "restarted.log")
        started = loadtest._pg_ctl(
            user, bindir, ["start", "-D", datadir, "-l", log, "-w", "-o", options], socket_dir
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

    client = redis.Redis(port=stack["redis"]["port"])
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
    log = Path(stack["dir"], "gunicorn-a.log").read_text(errors="replace")
    logged = log.count("Redis cache unavailable")
    # Once per worker process (each has its own connection), never once per request.
    assert 1 <= logged <= 3, logged
    assert "Traceback" not in log


def test_killing_one_instance_costs_readers_nothing_beyond_requests_in_flight(stack, tmp_path):
    script = tmp_path / "unique.lua"
    script.write_text(
        "local n = 0\n"
        "function request()\n"
        "  n = n + 1\n"
        '  return wrk.format("GET", "/?q=not&n=" .. math.random(1, 1000000000) .. n)\n'
        "end\n"
    )
    killer = subprocess.Popen(
        ["sh", "-c", f"sleep 3; kill -KILL -{stack['a']['pid']}"], start_new_session=True
    )
    result = _wrk(stack["nginx"] + "/", 8, connections=16, script=script)
    killer.wait(timeout=10)
    with pytest.raises(OSError):  # A is gone: its port refuses connections
        get(stack["a"]["url"] + "/healthz")
    failed = result["non_2xx_3xx"] + result["socket_errors"]
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
