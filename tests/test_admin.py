"""The editors' tool: find fast, write safely, never lose a word."""

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.forms import NullBooleanField
from django.urls import reverse

from reference.models import Meaning, StaleEdit, StatusCode, Vendor

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reference_statuscode_changelist")


def change_url(code):
    return reverse("admin:reference_statuscode_change", args=[code])


def form_data(client, pk, url=None, **changes):
    """The change form's current values as a browser posts them: textareas with CRLF."""
    return posted(client.get(url or change_url(pk)).context, **changes)


def posted(context, **changes):
    """What a browser posts back from the change form rendered with ``context``."""
    forms = [context["adminform"].form]
    for inline in context.get("inline_admin_formsets", []):  # the code's other meanings
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if name == "related":
                data[key] = [str(v) for v in value]
            elif isinstance(form.fields[name], NullBooleanField):  # a select: yes, no, unknown
                data[key] = {True: "true", False: "false", None: "unknown"}[value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, str):
                data[key] = value.replace("\n", "\r\n")
            elif value is not None:
                data[key] = value
    data.update(changes)
    return data


def stored(code):
    return StatusCode.objects.filter(code=code).values().get()


def test_anonymous_visitors_are_sent_to_the_login(client, codes):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.post(change_url(404), {"phrase": "Hacked"}).status_code == 302
    assert StatusCode.objects.get(code=404).phrase == "Not Found"


def test_editors_group_can_view_and_change_but_not_delete_or_manage_users(codes):
    group = Group.objects.get(name="Editors")
    assert sorted(group.permissions.values_list("codename", flat=True)) == [
        "add_behaviour",
        "add_meaning",
        "add_vendor",
        "change_behaviour",
        "change_meaning",
        "change_statuscode",
        "change_vendor",
        "delete_behaviour",
        "delete_meaning",
        "delete_searchmiss",  # what readers could not find, once it is a keyword
        "view_behaviour",
        "view_meaning",
        "view_searchmiss",
        "view_statuscode",
        "view_vendor",
    ]


def test_changelist_shows_code_phrase_class_officialness_and_update(editor_client):
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4xx Client Error" in html and "Not Found" in html
    assert response.context["cl"].result_count == StatusCode.objects.count()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "404"}, {404}),
        ({"q": "teapot"}, {418}),
        (
            {"class": "5", "official__exact": "0"},
            {509, 520, 521, 522, 523, 524, 525, 526, 527, 529, 530, 540, 561, 598, 599},
        ),
        ({"q": "xyzzyplugh"}, set()),
    ],
)
def test_editors_find_entries_by_search_and_filters(editor_client, params, expected):
    response = editor_client.get(CHANGELIST, params)
    assert response.status_code == 200
    assert {obj.code for obj in response.context["cl"].result_list} == expected


def test_change_form_is_organised_for_writing(editor_client):
    response = editor_client.get(change_url(301))
    html = response.content.decode()
    for legend in ("Essentials", "Explanation", "Example", "References", "Search keywords"):
        assert legend in html
    assert "admin-autocomplete" in html  # related codes are chosen with autocomplete
    assert reverse("reference:code", args=[301]) in html or "View on site" in html


def test_editor_saves_an_edit_and_it_is_in_the_history(editor_client):
    response = editor_client.post(change_url(404), form_data(editor_client, 404, summary="New."))
    assert response.status_code == 302
    assert StatusCode.objects.get(code=404).summary == "New."
    history = editor_client.get(reverse("admin:reference_statuscode_history", args=[404]))
    html = history.content.decode()
    assert "<td>Summary</td>" in html  # the fields changed, by name (the words are a click away)
    assert "edna" in html  # who, as a name
    assert "/admin/auth/user/" not in html  # not a link editors would get a 403 from
    assert "As stored before this save" in html  # the text before the first edit is kept


def test_editor_cannot_delete(editor_client):
    response = editor_client.post(
        reverse("admin:reference_statuscode_delete", args=[404]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert StatusCode.objects.filter(code=404).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "1000"}, "code"),
        ({"code": "99"}, "code"),
        ({"phrase": ""}, "phrase"),
        ({"code": "404"}, "code"),
    ],
    ids=["code-1000", "code-99", "empty-phrase", "existing-code"],
)
def test_invalid_new_entry_is_a_form_error(admin_client, codes, changes, field):
    data = form_data(admin_client, 418, **changes)
    data.pop("expected_version", None)
    data.setdefault("code", "419")
    response = admin_client.post(reverse("admin:reference_statuscode_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_empty_phrase_on_change_is_a_form_error(editor_client):
    response = editor_client.post(change_url(404), form_data(editor_client, 404, phrase=""))
    assert response.status_code == 200
    assert "phrase" in response.context["adminform"].form.errors
    assert StatusCode.objects.get(code=404).phrase == "Not Found"


def test_second_save_from_a_stale_form_is_refused_and_keeps_the_first(editor_client):
    first = form_data(editor_client, 429, summary="First editor's words.")
    second = form_data(editor_client, 429, summary="Second editor's words.")

    assert editor_client.post(change_url(429), first).status_code == 302
    response = editor_client.post(change_url(429), second)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone saved this entry" in page and "while you were editing" in page
    assert "Please correct the error" not in page  # nothing the editor wrote is wrong
    conflict = page.split('class="conflict"')[1].split("</section>")[0]
    assert "First editor&#x27;s words." in conflict  # their version
    assert "Second editor&#x27;s words." in conflict  # beside the editor's text
    assert response.context["adminform"].form["summary"].value() == "Second editor's words."
    assert StatusCode.objects.get(code=429).summary == "First editor's words."
    # Saving again, with both in sight, is a deliberate choice, and lands.
    again = form_data(editor_client, 429, summary="Merged words.")
    again["expected_version"] = response.context["adminform"].form["expected_version"].value()
    assert editor_client.post(change_url(429), again).status_code == 302


def test_admin_responses_are_private(editor_client):
    response = editor_client.get(CHANGELIST)
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_editor_written_markup_is_escaped_on_the_public_page(editor_client, client):
    data = form_data(editor_client, 404, summary=PAYLOAD, description=f"Intro.\n\n{PAYLOAD}")
    assert editor_client.post(change_url(404), data).status_code == 302
    client.logout()
    html = client.get("/404/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html


def test_a_browser_round_trip_changes_only_the_edited_field(editor_client):
    before = stored(404)
    data = form_data(editor_client, 404, description="One line.\r\n\r\nAnother paragraph.")
    assert "\r\n" in data["use_cases"] and "\r\n" in data["example_response"]  # as browsers post

    assert editor_client.post(change_url(404), data).status_code == 302

    after = stored(404)
    assert after["description"] == "One line.\n\nAnother paragraph."
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"description", "updated", "version"}
    record = StatusCode.history.filter(code=404).first()
    delta = record.diff_against(record.prev_record)
    assert delta.changed_fields == ["description"]


def test_every_entry_survives_a_browser_round_trip_byte_for_byte(editor_client):
    # Trailing newlines, blank lines, every text as the fixtures have it.
    for code in StatusCode.objects.values_list("code", flat=True):
        context = editor_client.get(change_url(code)).context
        form = context["adminform"].form.__class__(
            posted(context), instance=StatusCode.objects.get(code=code)
        )
        assert form.is_valid(), (code, form.errors)
        assert form.changed_data == [], (code, form.changed_data)


def test_text_is_stored_with_newlines_whoever_writes_it(codes):
    entry = StatusCode.objects.get(code=418)
    entry.description = "Shell.\r\n\r\nWith CR\ronly."
    entry.save()
    assert stored(418)["description"] == "Shell.\n\nWith CR\nonly."
    assert entry.description == "Shell.\n\nWith CR\nonly."
    vendor = Vendor.objects.create(slug="acme", name="Acme", about="One.\r\nTwo.")
    meaning = Meaning.objects.create(
        code=entry,
        vendor=vendor,
        used_by="Acme",
        phrase="Teapot",
        description="A.\r\nB.",
        when="C.\rD.",
        source_url="https://example.com/",
    )
    meaning.refresh_from_db()
    vendor.refresh_from_db()
    assert (meaning.description, meaning.when, vendor.about) == ("A.\nB.", "C.\nD.", "One.\nTwo.")


def test_fixtures_with_crlf_load_as_newlines(codes, tmp_path):
    fixture = tmp_path / "crlf.json"
    fixture.write_text(
        '[{"model": "reference.vendor", "pk": "crlf", "fields": '
        '{"name": "CRLF Inc.", "url": "", "about": "Line one.\\r\\nLine two."}}]'
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert Vendor.objects.get(slug="crlf").about == "Line one.\nLine two."


@pytest.mark.parametrize("field", ["phrase", "summary"])
def test_a_line_break_in_a_one_line_field_is_a_form_error(editor_client, field):
    data = form_data(editor_client, 404, **{field: "Not\r\nFound"})
    response = editor_client.post(change_url(404), data)
    assert response.status_code == 200
    assert "one line" in str(response.context["adminform"].form.errors[field])
    assert stored(404)["phrase"] == "Not Found"


@pytest.mark.parametrize(
    ("model", "fields"),
    [(StatusCode, ["phrase", "common_name"]), (Meaning, ["phrase", "used_by"]), (Vendor, ["name"])],
)
def test_one_line_fields_refuse_line_breaks_at_the_model(model, fields):
    from django.core.exceptions import ValidationError

    for name in fields:
        with pytest.raises(ValidationError):
            model._meta.get_field(name).run_validators("two\nlines")


@pytest.mark.parametrize("term", ["²", "٤٠٤", "404²", "99999999999999999999", "¹²³"])
def test_admin_search_with_any_digits_answers(editor_client, term):
    response = editor_client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200


def test_arabic_indic_digits_find_the_code(editor_client):
    response = editor_client.get(CHANGELIST, {"q": "٤٠٤"})
    assert [obj.code for obj in response.context["cl"].result_list] == [404]


def history_url(code, record):
    return reverse("admin:reference_statuscode_simple_history", args=[code, record.history_id])


def test_history_shows_a_diff_with_the_current_text_and_restores_it(editor_client):
    original = stored(429)["summary"]
    data = form_data(editor_client, 429, summary="Rewritten by mistake.")
    assert editor_client.post(change_url(429), data).status_code == 302
    first = StatusCode.history.filter(code=429).earliest("history_date")

    page = editor_client.get(history_url(429, first))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<del>− {original}</del>".replace("'", "&#x27;") in html
    assert "<ins>+ Rewritten by mistake.</ins>" in html

    restore = form_data(editor_client, 429, url=history_url(429, first))
    response = editor_client.post(history_url(429, first), restore)
    assert response.status_code == 302
    assert stored(429)["summary"] == original
    assert stored(429)["version"] == 3  # the restore is a save of its own
    latest = StatusCode.history.filter(code=429).first()
    assert latest.history_user.username == "edna" and latest.summary == original


def test_a_restore_over_a_newer_save_is_refused(editor_client):
    assert (
        editor_client.post(change_url(429), form_data(editor_client, 429, summary="B")).status_code
        == 302
    )
    first = StatusCode.history.filter(code=429).earliest("history_date")
    restore = form_data(editor_client, 429, url=history_url(429, first))
    assert (
        editor_client.post(change_url(429), form_data(editor_client, 429, summary="C")).status_code
        == 302
    )

    response = editor_client.post(history_url(429, first), restore)

    assert response.status_code == 200
    assert "Someone saved this entry" in response.content.decode()
    assert "Please correct the error" not in response.content.decode()
    assert stored(429)["summary"] == "C"


def test_a_save_over_an_older_version_raises_stale_edit(codes):
    entry = StatusCode.objects.get(code=404)
    version = entry.version
    entry.save(expected_version=version)
    with pytest.raises(StaleEdit):
        entry.save(expected_version=version)
    assert stored(404)["version"] == version + 1


@pytest.mark.django_db(transaction=True)
def test_of_two_saves_at_the_same_moment_exactly_one_lands(codes):
    """Two threads, two connections, one version: the database decides, every round."""
    for round_ in range(8):
        version = stored(404)["version"]
        barrier = threading.Barrier(2)
        outcomes = []

        def save(text, version=version, barrier=barrier, outcomes=outcomes):
            entry = StatusCode.objects.get(code=404)
            entry.summary = text
            barrier.wait()
            try:
                entry.save(expected_version=version)
                outcomes.append("saved")
            except StaleEdit:
                outcomes.append("refused")
            except Exception as error:  # noqa: BLE001 -- any other outcome fails the test
                outcomes.append(repr(error))
            finally:
                connection.close()

        threads = [threading.Thread(target=save, args=(f"{round_}-{n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["refused", "saved"], outcomes
        assert stored(404)["version"] == version + 1


GOOD_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def no_terminal(monkeypatch):
    """Standard input as under CI, cron or a pipe: not a terminal."""

    def feed(text=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    feed()
    monkeypatch.delenv("DJANGO_EDITOR_PASSWORD", raising=False)
    return feed


def can_sign_in(client, username, password):
    """Through the admin's login form, as a person does (axes wants a real request)."""
    response = client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )
    return response.status_code == 302


def test_create_editor_reads_the_password_from_stdin(db, client, no_terminal):
    no_terminal(GOOD_PASSWORD + "\n")
    call_command("create_editor", "alice", "--email", "alice@example.com", "--password-stdin")
    alice = User.objects.get(username="alice")
    assert alice.is_staff and not alice.is_superuser
    assert list(alice.groups.values_list("name", flat=True)) == ["Editors"]
    assert can_sign_in(client, "alice", GOOD_PASSWORD)


def test_create_editor_reads_the_password_from_the_environment(
    db, client, no_terminal, monkeypatch
):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", GOOD_PASSWORD)
    call_command("create_editor", "alice")
    assert can_sign_in(client, "alice", GOOD_PASSWORD)


def test_create_editor_without_a_terminal_or_password_fails_and_creates_nothing(db, no_terminal):
    with pytest.raises(CommandError, match="no terminal to ask"):
        call_command("create_editor", "alice", "--email", "alice@example.com")
    assert not User.objects.filter(username="alice").exists()
    # A rerun still refuses: there is no half-made account to "update".
    with pytest.raises(CommandError, match="no terminal to ask"):
        call_command("create_editor", "alice")
    assert not User.objects.filter(username="alice").exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [("1", "too short"), ("password123", "too common"), ("alice123", "too similar")],
)
def test_create_editor_applies_the_password_validators(db, no_terminal, password, reason):
    no_terminal(password + "\n")
    with pytest.raises(CommandError, match=reason):
        call_command("create_editor", "alice", "--password-stdin")
    with pytest.raises(CommandError, match=reason):
        call_command("create_editor", "alice", "--password", password)
    assert not User.objects.filter(username="alice").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name!"], "Enter a valid username"),
        (["alice", "--email", "not-an-email"], "valid email"),
        (["alice", "--password-stdin"], "held no password"),
    ],
)
def test_create_editor_bad_input_is_a_clear_error(db, no_terminal, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_editor", *args)
    assert not User.objects.exclude(username="edna").exists()


def test_create_editor_promotes_an_existing_account_keeping_its_password(db, client, no_terminal):
    User.objects.create_user("bob", password=GOOD_PASSWORD)
    call_command("create_editor", "bob")
    bob = User.objects.get(username="bob")
    assert bob.is_staff and bob.groups.filter(name="Editors").exists()
    assert can_sign_in(client, "bob", GOOD_PASSWORD)


def test_create_editor_from_the_command_line_prints_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env["STATUSCODES_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "create_editor", "alice", "--password", "1"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("CommandError:")


def test_a_vendor_opens_for_change_and_saves(admin_client, codes):
    url = reverse("admin:reference_vendor_change", args=["cloudflare"])
    response = admin_client.get(url)
    assert response.status_code == 200
    data = {
        "name": "Cloudflare",
        "url": "https://developers.cloudflare.com/support/",
        "about": "Edited in the admin.",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Vendor.objects.get(slug="cloudflare").about == "Edited in the admin."
    assert admin_client.get(reverse("admin:reference_vendor_add")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reference/statuscode/404/history/abc/",
        "/admin/reference/statuscode/abc/history/",
        "/admin/reference/statuscode/404/history/99999999/",
    ],
)
def test_history_urls_that_name_nothing_are_404s(admin_client, codes, path):
    assert admin_client.get(path).status_code == 404


def test_a_restore_needs_the_right_to_change(client, editor_client, django_user_model):
    data = form_data(editor_client, 429, summary="Saved by an editor.")
    assert editor_client.post(change_url(429), data).status_code == 302
    first = StatusCode.history.filter(code=429).earliest("history_date")
    restore = form_data(editor_client, 429, url=history_url(429, first))

    viewer = django_user_model.objects.create_user("vera", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_statuscode"))
    client.force_login(viewer)
    assert client.get(history_url(429, first)).status_code == 200  # may look
    assert client.post(history_url(429, first), restore).status_code == 403  # may not restore
    assert stored(429)["summary"] == "Saved by an editor."


# -- What editors type is checked like the fixtures (reference.validators) --------------------

TOO_LONG = "A sentence that goes on. " * 200  # 5,000 characters, over every text limit but 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "x" * 4001, "at most 4000 characters"),
        ("summary", "y" * 201, "at most 200 characters"),
        ("keywords", TOO_LONG, "at most 1000 characters"),
        ("headers", "Retry-After when to come back", "no colon"),
        ("headers", "Retry After: when to come back", "is not a header name"),
        ("sources", "Evil | javascript:alert(1)", "http:// or https://"),
        ("sources", "Data | data:text/html,<script>alert(1)</script>", "http:// or https://"),
        ("sources", "https://example.com/no-title", "Title | https://"),
        ("reviewed", "2999-01-01", "in the future"),
        ("example_request", "GET /items HTTP/1.1\nHost example.com", "Line 2"),
        ("example_request", "POST /a HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello!", "match"),
        ("example_response", "HTTP/1.1 429 Too Many Requests\nRetry-After 60", "Line 2"),
        ("example_response", "HTTP/1.1 429 Too Many\nContent-Length: 2\n\nhello", "after the"),
        ("example_response", "HTTP/1.1 200 OK\nContent-Length: 0", "never shows 429"),
        ("example_response", "Something went wrong", "status line"),
        ("headers", "Retry-After:", "say why the header matters"),
        ("example_request", "POST /a HTTP/1.1\nHost: x\nContent-Length: 10\n\nhello", "larger"),
        ("example_request", "GET /a HTTP/1.1\nHost: x\nContent-Length: ten", "Content-Length"),
        ("example_response", "HTTP/1.1 100 Continue\n", "only interim 1xx"),
        ("example_response", "HTTP/1.1 429 Too Many\nContent-Length: 9\n\nhello", "larger"),
        ("example_response", "HTTP/1.1 429 Too Many\n\nhello", "without Content-Length"),
        ("example_response", "\nHTTP/1.1 429 Too Many", "start with the status line"),
        ("example_request", " GET /a HTTP/1.1\nHost: x", "start with the request line"),
        ("example_response", "HTTP/2 429\nretry-after: 60", "line: “HTTP/2 429”; examples are"),
        ("example_request", "GÉT /a HTTP/1.1\nHost: x", "request line: “GÉT /a HTTP/1.1”"),
    ],
)
def test_bad_input_is_a_form_error_naming_the_problem_and_keeping_the_text(
    editor_client, field, value, message
):
    before = stored(429)
    data = form_data(editor_client, 429, **{field: value.replace("\n", "\r\n")})
    response = editor_client.post(change_url(429), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors, form.errors
    assert message.lower() in " ".join(form.errors[field]).lower()
    assert form[field].value().replace("\r\n", "\n") == value  # the text comes back whole
    assert stored(429) == before


def test_an_example_ending_with_a_line_break_is_saved_as_typed(editor_client):
    # Enter after the last header: the head ends there, as with the blank line.
    response = "HTTP/1.1 429 Too Many Requests\nRetry-After: 60\n"
    data = form_data(editor_client, 429, example_response=response.replace("\n", "\r\n"))
    assert editor_client.post(change_url(429), data).status_code == 302
    assert stored(429)["example_response"] == response


def test_a_limit_is_shown_and_never_cuts_a_paste(editor_client):
    page = editor_client.get(change_url(429)).content.decode()
    assert "At most 4,000 characters." in page
    assert "maxlength" not in page.split('id="content-main"')[1]  # browsers cut pastes silently


def test_a_3_mb_paste_is_a_form_error_with_the_text_kept(editor_client):
    huge = "Pasted by mistake. " * (3 * 2**20 // 19)
    response = editor_client.post(change_url(429), form_data(editor_client, 429, description=huge))
    assert response.status_code == 200
    assert response.context["adminform"].form["description"].value() == huge
    assert stored(429)["description"] != huge


def test_a_request_too_large_to_read_says_nothing_was_saved(editor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = form_data(editor_client, 429, description="z" * 2000)
    response = editor_client.post(change_url(429), data)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("source_url", "javascript:alert(1)"),
        ("source_url", "ftp://example.com/x"),
        ("description", "m" * 1501),
    ],
)
def test_a_bad_meaning_is_a_form_error(editor_client, field, value):
    data = form_data(editor_client, 420)
    prefix = next(key for key in data if key.endswith("-0-phrase")).removesuffix("phrase")
    data[prefix + field] = value
    response = editor_client.post(change_url(420), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert field in formset.forms[0].errors


def test_a_vendor_link_must_be_http(admin_client, codes):
    url = reverse("admin:reference_vendor_change", args=["cloudflare"])
    data = {"name": "Cloudflare", "url": "javascript:alert(1)", "about": "x"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors


def test_sources_saved_before_the_check_are_never_live_links(client, codes):
    StatusCode.objects.filter(code=429).update(sources="Evil | javascript:alert(1)")
    page = client.get("/429/").content.decode()
    assert "javascript:" not in page
    assert client.get("/api/codes/429/").json()["sources"] == [{"title": "Evil", "url": ""}]


# -- History that reads well: meanings and vendors are versioned, reverts say so -----------


def test_reverting_a_code_restores_the_meanings_it_had_then(editor_client):
    save = form_data(editor_client, 420, summary="Edited once.")
    assert editor_client.post(change_url(420), save).status_code == 302
    version = StatusCode.history.filter(code=420).latest("history_date")
    original = {m.pk: m.phrase for m in Meaning.objects.filter(code=420)}
    first = next(iter(original))

    data = form_data(editor_client, 420, summary="Edited twice.")
    prefix = "meanings-"
    total = int(data[prefix + "TOTAL_FORMS"])
    data[f"{prefix}{total}-used_by"] = "Someone"
    data[f"{prefix}{total}-phrase"] = "Added Later"
    data[f"{prefix}{total}-description"] = "A meaning added after that version."
    data[f"{prefix}{total}-source_url"] = "https://example.com/later"
    data[f"{prefix}{total}-order"] = "9"
    data[f"{prefix}{total}-code"] = "420"
    data[prefix + "TOTAL_FORMS"] = str(total + 1)
    index = next(k for k, v in data.items() if k.endswith("-id") and str(v) == str(first))
    data[index.removesuffix("id") + "phrase"] = "Reworded Later"
    assert editor_client.post(change_url(420), data).status_code == 302
    assert Meaning.objects.filter(code=420, phrase="Added Later").exists()

    page = editor_client.get(history_url(420, version)).content.decode()
    assert "Other meanings" in page and "+ Added Later (Someone)" in page  # in the diff
    revert = form_data(editor_client, 420, url=history_url(420, version))
    assert editor_client.post(history_url(420, version), revert).status_code == 302
    assert stored(420)["summary"] == "Edited once."
    assert {m.pk: m.phrase for m in Meaning.objects.filter(code=420)} == original
    latest = StatusCode.history.filter(code=420).latest("history_date")
    assert latest.history_change_reason.startswith("Reverted to the version of ")
    assert latest.history_user.username == "edna"
    page = editor_client.get(reverse("admin:reference_statuscode_history", args=[420]))
    assert "Reverted to the version of" in page.content.decode()


def test_a_vendor_has_a_history_and_reverts(admin_client, codes):
    url = reverse("admin:reference_vendor_change", args=["nginx"])
    before = Vendor.objects.get(slug="nginx").about
    data = {"name": "nginx", "url": "https://nginx.org/", "about": "Changed once."}
    assert admin_client.post(url, data).status_code == 302
    history = Vendor.history.filter(slug="nginx").order_by("history_date")
    assert [record.about for record in history] == [before, "Changed once."]
    loaded = history.first()
    page = reverse("admin:reference_vendor_simple_history", args=["nginx", loaded.pk])
    assert admin_client.get(page).status_code == 200
    assert admin_client.post(page, {**data, "about": before}).status_code == 302
    assert Vendor.objects.get(slug="nginx").about == before
    listing = admin_client.get(reverse("admin:reference_vendor_history", args=["nginx"]))
    assert "Reverted to the version of" in listing.content.decode()


def test_an_ordinary_change_form_shows_no_conflict(editor_client):
    page = editor_client.get(change_url(429)).content.decode()
    assert 'class="conflict"' not in page


@pytest.mark.parametrize("term", ["40", "rate limit", "timeout", "gatway timout", "nginx", "4xx"])
def test_admin_search_finds_what_public_search_finds_in_the_same_order(editor_client, term):
    admin_order = [
        obj.code for obj in editor_client.get(CHANGELIST, {"q": term}).context["cl"].result_list
    ]
    public = editor_client.get("/api/codes/", {"q": term}).json()
    public_order = [item["code"] for item in public["results"]]
    assert admin_order == public_order[: len(admin_order)] and admin_order


def test_admin_search_for_a_prefix_and_a_symptom(editor_client):
    def codes(term):
        return [
            o.code for o in editor_client.get(CHANGELIST, {"q": term}).context["cl"].result_list
        ]

    assert set(range(400, 410)) <= set(codes("40"))
    assert codes("rate limit")[0] == 429
