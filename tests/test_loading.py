"""Loading never overwrites editors' work; export and reload lose nothing."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from reference.models import StatusCode
from tests.test_data import FIXTURE

pytestmark = pytest.mark.django_db


def entry(code=799, **fields):
    base = json.loads(FIXTURE.read_text("utf-8"))[0]
    base = {**base, "pk": code, "fields": {**base["fields"], "related": [], **fields}}
    return base


def write(tmp_path, entries):
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return str(path)


def snapshot():
    return {
        obj.code: {**model_to_dict(obj), "related": sorted(r.code for r in obj.related.all())}
        | {"created": obj.created, "updated": obj.updated, "version": obj.version}
        for obj in StatusCode.objects.prefetch_related("related")
    }


def test_fixture_loads_into_an_empty_database(codes):
    StatusCode.objects.all().delete()
    call_command("load_codes", verbosity=0)
    assert StatusCode.objects.count() == len(json.loads(FIXTURE.read_text("utf-8")))
    assert [r.code for r in StatusCode.objects.get(code=301).related.all()]


def test_reloading_keeps_editors_edits_and_adds_only_missing_codes(codes):
    edited = StatusCode.objects.get(code=404)
    edited.summary = "An editor's better summary."
    edited.save()
    StatusCode.objects.filter(code=418).delete()

    call_command("load_codes", verbosity=0)

    assert StatusCode.objects.get(code=404).summary == "An editor's better summary."
    assert StatusCode.objects.filter(code=418).exists()


def test_export_then_reload_into_an_empty_database_is_lossless(codes, tmp_path):
    edited = StatusCode.objects.get(code=429)
    edited.keywords += ", curated by a test — with “quotes”"
    edited.save()
    edited.related.add(StatusCode.objects.get(code=200))
    before = snapshot()

    out = tmp_path / "export.json"
    call_command("export_codes", str(out), verbosity=0)
    StatusCode.objects.all().delete()
    call_command("load_codes", str(out), verbosity=0)

    after = snapshot()
    assert after.keys() == before.keys()
    for code in before:
        assert after[code] == before[code], code


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"fields_extra": {"colour": "red"}}, "has no field named 'colour'"),
        ({"code": 700}, "less than or equal to 599"),
        ({"fields_extra": {"phrase": ""}}, "phrase"),
        ({"duplicate": True}, "duplicates entry #1"),
        ({"fields_extra": {"related": [798]}}, "related codes [798]"),
    ],
    ids=["unknown-field", "code-700", "empty-phrase", "duplicate-code", "dangling-related"],
)
def test_bad_fixture_stops_the_load_naming_the_entry_and_changes_nothing(
    codes, tmp_path, bad, message
):
    StatusCode.objects.filter(code=418).delete()  # something the load would add
    before = snapshot()
    good = entry(418, **{"phrase": "(Unused)"})
    broken = entry(
        bad.get("code", 599 if bad.get("duplicate") else 597), **bad.get("fields_extra", {})
    )
    entries = [good, broken] if not bad.get("duplicate") else [broken, broken]
    path = write(tmp_path, entries)

    with pytest.raises(CommandError) as error:
        call_command("load_codes", path, verbosity=0)

    assert message in str(error.value)
    assert "entry #" in str(error.value)
    assert snapshot() == before


def test_unreadable_fixture_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read the fixture"):
        call_command("load_codes", str(path), verbosity=0)


def test_committed_fixture_is_exactly_what_export_writes(codes, tmp_path):
    """So that `make export` after curating shows only the editors' changes."""
    out = tmp_path / "export.json"
    call_command("export_codes", str(out), verbosity=0)
    assert out.read_text("utf-8") == FIXTURE.read_text("utf-8")


def test_hand_written_entry_without_timestamps_loads(codes, tmp_path):
    new = entry(597)
    for name in ("created", "updated", "version"):
        new["fields"].pop(name)
    call_command("load_codes", write(tmp_path, [new]), verbosity=0)
    loaded = StatusCode.objects.get(code=597)
    assert loaded.created and loaded.updated and loaded.version == 1
