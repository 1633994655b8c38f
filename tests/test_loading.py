"""Loading never overwrites editors' work; export and reload lose nothing."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from reference.models import Meaning, StatusCode, Vendor
from tests.test_data import FIXTURE, RAW

pytestmark = pytest.mark.django_db


def entry(code=799, **fields):
    base = next(e for e in RAW if e["model"] == "reference.statuscode")
    return {**base, "pk": code, "fields": {**base["fields"], "related": [], **fields}}


def meaning_entry(pk=900, **fields):
    base = next(e for e in RAW if e["model"] == "reference.meaning")
    return {**base, "pk": pk, "fields": {**base["fields"], **fields}}


def write(tmp_path, entries):
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return str(path)


def snapshot():
    codes = {
        obj.code: {**model_to_dict(obj), "related": sorted(r.code for r in obj.related.all())}
        | {"created": obj.created, "updated": obj.updated, "version": obj.version}
        for obj in StatusCode.objects.prefetch_related("related")
    }
    vendors = {v.slug: model_to_dict(v) for v in Vendor.objects.all()}
    meanings = {m.pk: model_to_dict(m) for m in Meaning.objects.all()}
    return {"codes": codes, "vendors": vendors, "meanings": meanings}


def count(model):
    return sum(1 for e in RAW if e["model"] == model)


def test_fixture_loads_into_an_empty_database(codes):
    Meaning.objects.all().delete()
    StatusCode.objects.all().delete()
    Vendor.objects.all().delete()
    call_command("load_codes", verbosity=0)
    assert StatusCode.objects.count() == count("reference.statuscode")
    assert Vendor.objects.count() == count("reference.vendor")
    assert Meaning.objects.count() == count("reference.meaning")
    assert [r.code for r in StatusCode.objects.get(code=301).related.all()]
    assert StatusCode.objects.get(code=524).vendor.name == "Cloudflare"
    assert {m.phrase for m in StatusCode.objects.get(code=499).meanings.all()} >= {"Token Required"}


def test_reloading_keeps_editors_edits_and_adds_only_what_is_missing(codes):
    edited = StatusCode.objects.get(code=404)
    edited.summary = "An editor's better summary."
    edited.save()
    Vendor.objects.filter(slug="nginx").update(about="An editor's nginx page.")
    token = Meaning.objects.get(code=499, phrase="Token Required")
    token.description = "An editor's wording."
    token.save()
    resume = Meaning.objects.get(code=308)
    resume_pk = resume.pk
    resume.delete()
    StatusCode.objects.filter(code=418).delete()

    call_command("load_codes", verbosity=0)

    assert StatusCode.objects.get(code=404).summary == "An editor's better summary."
    assert Vendor.objects.get(slug="nginx").about == "An editor's nginx page."
    assert Meaning.objects.get(pk=token.pk).description == "An editor's wording."
    assert Meaning.objects.get(pk=resume_pk).phrase == "Resume Incomplete"
    assert StatusCode.objects.filter(code=418).exists()


def test_editors_can_add_meanings_after_a_load(codes):
    # The meanings arrive with their ids; the id sequence must have moved past them
    # (PostgreSQL), or the admin's first new meaning would collide.
    added = Meaning.objects.create(
        code_id=404,
        used_by="An editor",
        phrase="Lost",
        description="A meaning added in the admin.",
        source_url="https://example.com/",
    )
    assert added.pk > max(e["pk"] for e in RAW if e["model"] == "reference.meaning")


def test_export_then_reload_into_an_empty_database_is_lossless(codes, tmp_path):
    edited = StatusCode.objects.get(code=429)
    edited.keywords += ", curated by a test — with “quotes”"
    edited.reviewed = "2026-12-01"
    edited.save()
    edited.related.add(StatusCode.objects.get(code=200))
    Meaning.objects.create(
        code_id=429,
        vendor_id="shopify",
        used_by="Shopify",
        phrase="Too Many Requests",
        description="Line one\r\nline two, as a browser posts it.",
        when="",
        source_url="https://shopify.dev/docs/api/usage/rate-limits",
        order=3,
    )
    before = snapshot()

    out = tmp_path / "export.json"
    call_command("export_codes", str(out), verbosity=0)
    Meaning.objects.all().delete()
    StatusCode.objects.all().delete()
    Vendor.objects.all().delete()
    call_command("load_codes", str(out), verbosity=0)

    after = snapshot()
    for part in before:
        assert after[part].keys() == before[part].keys(), part
        for key in before[part]:
            assert after[part][key] == before[part][key], (part, key)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entry(597, colour="red"), "has no field named 'colour'"),
        (entry(1000), "not a status code"),
        (entry(597, phrase=""), "phrase"),
        (entry(597, related=[798]), "related codes [798]"),
        (entry(597, vendor="nobody"), "vendor ['nobody']"),
        (meaning_entry(code=798), "code [798]"),
        (meaning_entry(vendor="nobody"), "vendor ['nobody']"),
        (meaning_entry(source_url="not a url"), "source_url"),
        ({"model": "reference.vendor", "pk": "Not a slug!", "fields": {"name": "X"}}, "slug"),
        ({"model": "auth.user", "pk": 1, "fields": {}}, "is not one of"),
    ],
    ids=[
        "unknown-field",
        "code-1000",
        "empty-phrase",
        "dangling-related",
        "unknown-vendor",
        "meaning-of-unknown-code",
        "meaning-of-unknown-vendor",
        "meaning-without-source",
        "bad-vendor-slug",
        "other-model",
    ],
)
def test_bad_fixture_stops_the_load_naming_the_entry_and_changes_nothing(
    codes, tmp_path, bad, message
):
    StatusCode.objects.filter(code=418).delete()  # something the load would add
    before = snapshot()
    good = entry(418, phrase="(Unused)")
    path = write(tmp_path, [good, bad])

    with pytest.raises(CommandError) as error:
        call_command("load_codes", path, verbosity=0)

    assert message in str(error.value)
    assert "entry #2" in str(error.value)
    assert snapshot() == before


def test_a_duplicated_entry_is_refused_naming_both(codes, tmp_path):
    path = write(tmp_path, [entry(597), entry(597)])
    with pytest.raises(CommandError, match=r"entry #2 \(code 597\) duplicates entry #1"):
        call_command("load_codes", path, verbosity=0)


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


def corrected(tmp_path, changes):
    """The committed fixture with some entries' fields changed, as a later release ships it."""
    entries = json.loads(json.dumps(RAW))
    for e in entries:
        key = (e["model"], e["pk"])
        if key in changes:
            e["fields"].update(changes[key])
    return write(tmp_path, entries)


def test_corrections_reach_entries_nobody_edited_and_only_those(codes, tmp_path):
    StatusCode.objects.filter(code=404).update(summary="Edited with update().")
    edited = StatusCode.objects.get(code=410)
    edited.description = "Edited in the admin."
    edited.save()
    nginx = Vendor.objects.get(slug="nginx")
    nginx.about = "An editor's nginx page."
    nginx.save()
    fixture = corrected(
        tmp_path,
        {
            ("reference.statuscode", 404): {"summary": "Corrected 404."},
            ("reference.statuscode", 410): {"description": "Corrected 410."},
            ("reference.statuscode", 418): {"summary": "Corrected 418."},
            ("reference.vendor", "nginx"): {"about": "Corrected nginx."},
            ("reference.vendor", "cloudflare"): {"about": "Corrected Cloudflare."},
        },
    )

    call_command("load_codes", fixture, verbosity=0)

    assert StatusCode.objects.get(code=404).summary == "Edited with update()."
    assert StatusCode.objects.get(code=410).description == "Edited in the admin."
    assert Vendor.objects.get(slug="nginx").about == "An editor's nginx page."
    assert StatusCode.objects.get(code=418).summary == "Corrected 418."  # nobody edited these
    assert Vendor.objects.get(slug="cloudflare").about == "Corrected Cloudflare."
    # A corrected entry is still unedited: the next release's text reaches it too...
    call_command("load_codes", verbosity=0)
    assert StatusCode.objects.get(code=418).summary == next(
        e["fields"]["summary"] for e in RAW if e["pk"] == 418
    )
    # ...until an editor saves it.
    teapot = StatusCode.objects.get(code=418)
    teapot.summary = "Now an editor's."
    teapot.save()
    call_command("load_codes", fixture, verbosity=0)
    assert StatusCode.objects.get(code=418).summary == "Now an editor's."


def test_a_second_load_changes_nothing(codes, capsys):
    call_command("load_codes")
    # Nor reads a code as edited because its related codes came after it in the file.
    assert capsys.readouterr().out == (
        f"Nothing to add: all {len(RAW)} entries are already there "
        "(0 of them edited since loaded).\n"
    )
