"""Faults: readers keep reading through a database outage; writes say they failed.

The outage here is every SQL statement failing, as when PostgreSQL goes away
(tests/test_deploy.py stops and starts a real PostgreSQL under gunicorn). The Redis
tests run a real redis-server. giscus.app unreachable costs a page nothing.
"""

import logging
import shutil
import socket

import harness
import pytest
from django.db import connection

from reference import catalogue


@pytest.fixture
def database_down(codes, outage):
    """Every query fails from now on; undo with .stop()."""
    outage.start()
    return outage


NOTICE = "Our database is not answering right now"


def test_healthz_is_liveness_and_needs_no_database(client, codes, database_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_ready_when_data_is_loaded_and_says_the_database_answers(client, codes):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("ready\n") and "database: ok" in body


def test_readers_keep_reading_through_an_outage(client, codes, database_down):
    database_down.stop()
    before = client.get("/404/")
    assert before.status_code == 200 and NOTICE not in before.content.decode()
    database_down.start()

    page = client.get("/404/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not Found" in html and NOTICE in html
    # No validator at all: a 304 must never confirm an outage copy as current.
    assert "ETag" in before and "ETag" not in page and "Last-Modified" not in page
    assert page["Cache-Control"] == "no-store"

    search = client.get("/", {"q": "teapot"})
    assert search.status_code == 200 and "418" in search.content.decode()
    assert NOTICE in search.content.decode()
    api = client.get("/api/codes/418/")
    assert api.status_code == 200 and api.json()["code"] == 418

    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert "database: not answering" in ready.content.decode()


def test_a_signed_in_editor_reads_on_as_any_reader(editor_client, codes, outage):
    assert editor_client.get("/404/").status_code == 200  # the worker has the data
    outage.start()  # the session itself lives in the database too
    response = editor_client.get("/404/")
    assert response.status_code == 200 and NOTICE in response.content.decode()


def test_everything_recovers_when_the_database_is_back(client, codes, database_down):
    database_down.stop()
    client.get("/")
    database_down.start()
    assert NOTICE in client.get("/").content.decode()
    database_down.stop()
    page = client.get("/")
    assert page.status_code == 200 and NOTICE not in page.content.decode()
    assert "database: ok" in client.get("/readyz").content.decode()
    assert connection.is_usable()


def test_a_worker_that_never_loaded_data_answers_the_friendly_503(
    client, codes, fresh_worker, database_down
):
    assert catalogue._current is None
    page = client.get("/404/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30" and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "fittingly, a 503" in html and "Traceback" not in html
    api = client.get("/api/codes/404/")
    assert api.status_code == 503 and api.json()["error"] == "Service Unavailable"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.content.startswith(b"not ready")
    assert client.get("/healthz").status_code == 200


def test_the_admin_answers_a_truthful_503(admin_client, codes, database_down):
    response = admin_client.get("/admin/reference/statuscode/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "database is not answering" in html
    assert "NOT saved" not in html  # nothing was being saved
    assert "nothing is lost" not in html.lower()


def test_a_write_during_an_outage_says_it_was_not_saved_and_gives_the_text_back(
    admin_client, codes, database_down
):
    text = "Line one of my careful edit.\r\nLine two, with <em>markup</em>."
    response = admin_client.post(
        "/admin/reference/statuscode/418/change/",
        {"summary": text, "password": "hunter2", "meanings-TOTAL_FORMS": "0"},
    )
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "Your change was NOT saved" in html
    assert "the only copy" in html and "Going back will not bring it back" in html
    assert "nothing is lost" not in html.lower()
    # The text comes back, escaped, so it can be copied; secrets and bookkeeping do not.
    assert "Line one of my careful edit." in html
    assert "&lt;em&gt;markup&lt;/em&gt;" in html
    assert "hunter2" not in html and "TOTAL_FORMS" not in html


# -- Redis ------------------------------------------------------------------------------


class RedisServer:
    """Debian's redis-server on a free loopback port, no persistence."""

    def __init__(self, directory):
        self.directory = directory
        self.port = harness.free_port()
        self.process = None

    def start(self):
        self.process = harness.start_redis(self.directory, self.port)

    def stop(self):
        harness.stop(self.process)


@pytest.fixture
def redis_cache(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (make system-deps installs it)")
    from statuscodes import cache as failsoft

    server = RedisServer(tmp_path)
    server.start()
    backend = failsoft.FailSoftRedisCache(
        f"redis://127.0.0.1:{server.port}/0",
        {"TIMEOUT": 600, "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )
    failsoft._Health.down = False
    yield backend, server
    if server.process.poll() is None:
        server.stop()


def test_redis_cache_entries_expire(redis_cache):
    backend, _ = redis_cache
    backend.set("page", b"rendered")
    assert backend.get("page") == b"rendered"
    ttl = backend._cache.get_client("page").ttl(backend.make_key("page"))
    assert 0 < ttl <= 600


def test_redis_going_away_is_a_cache_miss_logged_once(redis_cache, caplog, monkeypatch):
    from statuscodes import cache as failsoft

    backend, server = redis_cache
    backend.set("page", b"rendered")
    server.stop()
    monkeypatch.setattr(failsoft, "RETRY_AFTER", 0)  # ask Redis every time here
    with caplog.at_level(logging.WARNING, logger="statuscodes.cache"):
        for _ in range(5):
            assert backend.get("page") is None
            backend.set("page", b"again")  # dropped, no error
            assert backend.get_many(["page", "other"]) == {}
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "Redis cache unavailable" in errors[0].getMessage()

        server.start()  # same port, empty
        backend.set("page", b"back")
        assert backend.get("page") == b"back"
    assert any("back" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


# -- giscus.app unreachable ------------------------------------------------------------


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.mark.parametrize("path", ["/404/", "/"])
def test_with_comments_configured_pages_are_complete_and_the_server_never_calls_giscus(
    client, codes, giscus_configured, monkeypatch, path
):
    """Comments are giscus.app's script, loaded by the reader's browser when they scroll
    to them (tests/browser/test_reference.py): the server only renders the container,
    so a giscus.app that cannot be reached costs a page nothing."""
    looked_up, connected = [], []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        looked_up.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        connected.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="giscus"' in html and 'data-repo="example/statuscodes"' in html
    if path == "/404/":
        assert 'id="example-request"' in html and 'id="example-response"' in html
    assert html.rstrip().endswith("</html>")
    # The database (PostgreSQL in its pass) may be reached; nothing else is.
    assert all(str(host) in LOOPBACK for host in looked_up), looked_up
    assert all(address[0] in LOOPBACK for address in connected if isinstance(address, tuple))
