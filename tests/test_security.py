"""Security policy: response headers, production settings, admin login throttling."""

import io
import os
import secrets
import sqlite3
import stat
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.urls import reverse

from reference.throttling import client_ip

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
EDITOR_PASSWORD = "a-long-editor-password"  # as the editor fixture creates it
ADMIN_LOGIN = reverse("admin:login")
PAGES = ["/", "/404/", ADMIN_LOGIN]


def csp_directives(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = sources
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_content_security_policy_allows_only_our_origin_and_giscus(client, codes, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert set(csp["script-src"]) == {"'self'", "https://giscus.app"}
    assert csp["frame-src"] == ["https://giscus.app"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_hardening_headers(client, codes, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.get("Cross-Origin-Resource-Policy") == "same-origin"


def test_error_pages_carry_the_same_policy(client, codes):
    for path, status in [("/299/", 404), ("/no-such-page/", 404), ("/?q=" + "x" * 300, 400)]:
        response = client.get(path)
        assert response.status_code == status
        assert csp_directives(response)["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.get("Cross-Origin-Resource-Policy") == "same-origin"


def test_static_files_are_not_sniffed_or_embeddable_elsewhere(client, codes):
    # WhiteNoise answers these itself, before most middleware runs.
    response = client.get(static("reference/site.css"))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.get("Cross-Origin-Resource-Policy") == "same-origin"


def manage(*args, **env_changes):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def random_secret_key(length=60):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=random_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.com",
        DJANGO_HTTPS="1",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def login(client, username, password, **meta):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": reverse("admin:index")},
        **meta,
    )


def test_the_right_password_logs_in(client, editor):
    response = login(client, "edna", EDITOR_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_few_mistakes_do_not_lock_the_editor_out(client, editor, settings):
    for _ in range(settings.SIGNIN_FAILURES_PER_USERNAME - 1):
        assert login(client, "edna", "not-the-password").status_code == 200
    assert login(client, "edna", EDITOR_PASSWORD).status_code == 302


def test_repeated_failed_logins_lock_out_even_the_right_password(
    client, editor, settings, django_user_model
):
    assert settings.SIGNIN_FAILURES_PER_USERNAME == 5
    statuses = [login(client, "edna", f"guess-{n}").status_code for n in range(5)]
    # Four plain failures, then the fifth trips the lock (django-axes answers 429).
    assert statuses == [200, 200, 200, 200, 429]

    response = login(client, "edna", EDITOR_PASSWORD)
    assert response.status_code == 429
    assert b"Account locked: too many login attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302  # back to the login

    # The lock is per username and address: another editor can still log in.
    django_user_model.objects.create_user("other", password=EDITOR_PASSWORD, is_staff=True)
    assert login(client, "other", EDITOR_PASSWORD).status_code == 302


PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
EDNA_AT_HOME = "198.51.100.7"


@pytest.fixture
def behind_a_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def via_proxy(address):
    """What the trusted proxy sends for a client at address."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


def test_behind_the_proxy_a_stranger_cannot_lock_an_editor_out(client, editor, behind_a_proxy):
    for n in range(6):
        login(client, "edna", f"guess-{n}", **via_proxy(ATTACKER))
    assert login(client, "edna", EDITOR_PASSWORD, **via_proxy(ATTACKER)).status_code == 429
    # Same proxy, another client: edna signs in.
    assert login(client, "edna", EDITOR_PASSWORD, **via_proxy(EDNA_AT_HOME)).status_code == 302


def test_a_forwarded_for_header_from_anyone_else_is_ignored(client, editor, behind_a_proxy):
    # A direct client inventing a new address each time is still one address.
    statuses = [
        login(
            client,
            "edna",
            f"guess-{n}",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(5)
    ]
    assert statuses[-1] == 429
    assert login(client, "edna", EDITOR_PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429


def test_an_address_written_by_the_client_before_the_proxy_is_ignored(
    client, editor, behind_a_proxy
):
    # The client sends "X-Forwarded-For: <random>"; the proxy appends the real address.
    for n in range(5):
        login(client, "edna", f"guess-{n}", **via_proxy(f"192.0.2.{n}, {ATTACKER}"))
    assert login(client, "edna", EDITOR_PASSWORD, **via_proxy(ATTACKER)).status_code == 429


def test_one_address_trying_many_usernames_is_limited(client, editor, settings):
    limit = settings.SIGNIN_FAILURES_PER_ADDRESS
    statuses = [
        login(client, f"user{n}", "Password1!", REMOTE_ADDR=ATTACKER).status_code for n in range(40)
    ]
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit:]) == {429}
    # That address is spent for every username; edna elsewhere is not affected.
    assert login(client, "edna", EDITOR_PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert login(client, "edna", EDITOR_PASSWORD, REMOTE_ADDR=EDNA_AT_HOME).status_code == 302


def test_an_admin_unlocks_an_editor_with_axes_reset_username(client, editor):
    for n in range(5):
        login(client, "edna", f"guess-{n}")
    assert login(client, "edna", EDITOR_PASSWORD).status_code == 429
    call_command("axes_reset_username", "edna", stdout=io.StringIO())
    assert login(client, "edna", EDITOR_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"REMOTE_ADDR": ATTACKER}, ATTACKER),
        ({"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": "192.0.2.1"}, ATTACKER),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ATTACKER}, ATTACKER),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.1, {ATTACKER}"}, ATTACKER),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{ATTACKER}, 10.0.0.9"}, ATTACKER),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"junk, {ATTACKER}"}, ATTACKER),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "junk"}, PROXY),
        ({"REMOTE_ADDR": PROXY}, PROXY),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "2001:db8::1"}, "2001:db8::1"),
    ],
)
def test_client_address_is_taken_through_trusted_proxies_only(rf, behind_a_proxy, meta, expected):
    assert client_ip(rf.get("/", **meta)) == expected


def test_without_trusted_proxies_the_peer_is_the_client(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert client_ip(request) == PROXY


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def with_umask_022():
    os.umask(0o022)


def test_make_creates_a_private_data_folder_and_secret_key(tmp_path):
    result = subprocess.run(
        ["make", "-f", str(BASE_DIR / "Makefile"), "-C", str(tmp_path), "data/secret_key"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=with_umask_022,
    )
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "secret_key") == 0o600
    assert len((tmp_path / "data" / "secret_key").read_text().strip()) >= 50


def test_the_sqlite_database_is_private_whatever_the_umask(tmp_path):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env["STATUSCODES_DATA_DIR"] = str(data)
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=with_umask_022,
    )
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700
    files = sorted(data.iterdir())
    assert data / "db.sqlite3" in files
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    with sqlite3.connect(data / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
