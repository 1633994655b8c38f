"""Every write to the curated data changes the data version, however it is made.

Readers' pages are cached, and each worker keeps the catalogue, under that
version: a write that left it alone would leave readers on stale pages. Each
test writes one way, outside the admin unless it says so, and reads the page a
reader gets, with no cache reset in between (the per-test reset in conftest
runs before and after, not here).
"""

import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction

from reference import catalogue
from reference.models import Behaviour, Meaning, StatusCode, Vendor

from .test_admin import change_url, form_data

pytestmark = pytest.mark.django_db


def version():
    return catalogue.data_version()


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_plain_save_changes_the_version_and_the_page(client, codes):
    before = version()
    assert "Kept by the test." not in page(client, "/418/")
    entry = StatusCode.objects.get(code=418)
    entry.summary = "Kept by the test."
    entry.save()
    assert version() != before
    assert "Kept by the test." in page(client, "/418/")


def test_queryset_update_which_skips_auto_now(client, codes):
    page(client, "/418/")
    before = version()
    StatusCode.objects.filter(code=418).update(summary="Changed by update().")
    assert version() != before
    assert "Changed by update()." in page(client, "/418/")


def test_a_vendor_saved_in_the_shell(client, codes):
    vendor = Vendor.objects.get(slug="cloudflare")
    assert vendor.name in page(client, "/vendors/")
    before = version()
    vendor.name = "Cloudflare (renamed in a shell)"
    vendor.save()
    assert version() != before
    assert "Cloudflare (renamed in a shell)" in page(client, "/vendors/")


def test_a_meaning_updated_and_deleted(client, codes):
    meaning = Meaning.objects.filter(code=308).first()
    assert meaning.phrase in page(client, "/308/")
    before = version()
    Meaning.objects.filter(pk=meaning.pk).update(phrase="Resume Never")
    after_update = version()
    assert after_update != before
    assert "Resume Never" in page(client, "/308/")
    Meaning.objects.filter(pk=meaning.pk).delete()
    assert version() != after_update
    assert "Resume Never" not in page(client, "/308/")


def test_a_behaviour_updated_and_deleted(client, codes):
    def agents():
        response = client.get("/api/codes/308/")
        return [row["agent"] for row in response.json()["behaviours"]]

    row = Behaviour.objects.filter(code=308).first()
    assert row.agent in agents()
    before = version()
    Behaviour.objects.filter(pk=row.pk).update(agent="A renamed client")
    after_update = version()
    assert after_update != before
    assert "A renamed client" in agents()
    Behaviour.objects.filter(pk=row.pk).delete()
    assert version() != after_update
    assert "A renamed client" not in agents()


def test_a_code_deleted(client, codes):
    assert client.get("/418/").status_code == 200
    before = version()
    StatusCode.objects.filter(code=418).delete()
    assert version() != before
    assert client.get("/418/").status_code == 404


def test_related_codes_changed_through_the_many_to_many(client, codes):
    entry = StatusCode.objects.get(code=418)
    page(client, "/418/")
    before = version()
    entry.related.add(StatusCode.objects.get(code=511))
    added = version()
    assert added != before
    assert 'href="/511/"' in page(client, "/418/")
    entry.related.clear()
    assert version() != added


def test_fixtures_loaded_over_the_data(client, codes, tmp_path):
    page(client, "/418/")
    before = version()
    records = json.loads(serializers.serialize("json", StatusCode.objects.filter(code=418)))
    records[0]["fields"]["summary"] = "Loaded from a fixture."
    fixture = tmp_path / "edit.json"
    fixture.write_text(json.dumps(records))
    call_command("loaddata", str(fixture), verbosity=0)
    assert version() != before
    assert "Loaded from a fixture." in page(client, "/418/")


def test_raw_sql_as_a_data_migration_might_write_it(client, codes):
    page(client, "/418/")
    before = version()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reference_statuscode SET summary = %s WHERE code = 418", ["Raw SQL."]
        )
    assert version() != before
    assert "Raw SQL." in page(client, "/418/")


def test_an_admin_inline_edit_alone(editor_client, client, codes):
    page(client, "/308/")
    before = version()
    data = form_data(editor_client, 308)
    data["meanings-0-phrase"] = "Resume Incomplete (edited inline)"
    response = editor_client.post(change_url(308), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert version() != before
    assert "Resume Incomplete (edited inline)" in page(client, "/308/")


def test_a_version_is_never_reused_after_the_table_is_emptied(codes):
    first = version()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reference_dataversion")
    assert version() == (0, "", None)
    StatusCode.objects.filter(code=418).update(summary="After a flush.")
    number, nonce, changed = version()
    assert number == 1 and changed is not None and len(nonce) == 16
    assert (number, nonce) != first[:2]


def test_a_rolled_back_write_leaves_no_version_behind(codes):
    with pytest.raises(RuntimeError), transaction.atomic():
        StatusCode.objects.filter(code=418).update(summary="Never committed.")
        rolled_back = version()
        raise RuntimeError
    StatusCode.objects.filter(code=418).update(summary="Committed.")
    assert version()[:2] != rolled_back[:2]  # the same number, another nonce
