"""Security policy: response headers, production settings, admin login throttling."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.templatetags.static import static
from django.urls import reverse

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
    for path, status in [("/999/", 404), ("/no-such-page/", 404), ("/?q=" + "x" * 300, 400)]:
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


def login(client, username, password):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def test_the_right_password_logs_in(client, editor):
    response = login(client, "edna", EDITOR_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_few_mistakes_do_not_lock_the_editor_out(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "edna", "not-the-password").status_code == 200
    assert login(client, "edna", EDITOR_PASSWORD).status_code == 302


def test_repeated_failed_logins_lock_out_even_the_right_password(
    client, editor, settings, django_user_model
):
    assert settings.AXES_FAILURE_LIMIT == 5
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
