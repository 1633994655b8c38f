"""The editors' tool: find fast, write safely, never lose a word."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from reference.models import StatusCode

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reference_statuscode_changelist")


def change_url(code):
    return reverse("admin:reference_statuscode_change", args=[code])


def form_data(client, pk, **changes):
    """The change form's current values, as the browser would post them."""
    context = client.get(change_url(pk)).context
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:  # the code's other meanings
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if name == "related":
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = value
    data.update(changes)
    return data


def test_anonymous_visitors_are_sent_to_the_login(client, codes):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.post(change_url(404), {"phrase": "Hacked"}).status_code == 302
    assert StatusCode.objects.get(code=404).phrase == "Not Found"


def test_editors_group_can_view_and_change_but_not_delete_or_manage_users(codes):
    group = Group.objects.get(name="Editors")
    assert sorted(group.permissions.values_list("codename", flat=True)) == [
        "add_meaning",
        "add_vendor",
        "change_meaning",
        "change_statuscode",
        "change_vendor",
        "delete_meaning",
        "view_meaning",
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
            {509, 520, 521, 522, 523, 524, 525, 526, 527, 529, 530, 561},
        ),
        ({"q": "not a code at all xyzzy"}, set()),
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
    assert "Changed Summary" in history.content.decode()


def test_editor_cannot_delete(editor_client):
    response = editor_client.post(
        reverse("admin:reference_statuscode_delete", args=[404]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert StatusCode.objects.filter(code=404).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "700"}, "code"),
        ({"code": "99"}, "code"),
        ({"phrase": ""}, "phrase"),
        ({"code": "404"}, "code"),
    ],
    ids=["code-700", "code-99", "empty-phrase", "existing-code"],
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
    assert "Someone else saved this entry" in response.content.decode()
    assert "Second editor&#x27;s words." in response.content.decode()  # their text is still there
    assert StatusCode.objects.get(code=429).summary == "First editor's words."


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
