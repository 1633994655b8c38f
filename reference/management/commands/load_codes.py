"""Load the data set (vendors, status codes, their other meanings): add what is missing,
bring up to date what no one has edited, never touch what someone has.

Unlike ``loaddata`` this never overwrites an edit: what editors curated in the
admin survives every re-run of the set-up. An entry is identified by its primary
key (a vendor's slug, a code's number, a meaning's id). One the database has and
that was never written since it was loaded (it is as the digest this command kept
says, ``LoadedEntry``; for rows loaded before digests were kept, it has no history)
takes the fixture's text, so corrections shipped in the fixture reach running
sites; one that someone wrote is left as it is, even if the fixture says
something else. A bad fixture stops the whole load with a
message naming the entry, and the database is left as it was.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import connection, transaction
from django.utils import timezone

from reference.models import Behaviour, LoadedEntry, Meaning, StatusCode, Vendor

DEFAULT_FIXTURE = Path(settings.FIXTURE_DIRS[0]) / "status_codes.json"
# The order a fixture lists (and the load saves) the models in: what is referred to first.
MODELS = {
    "reference.vendor": Vendor,
    "reference.statuscode": StatusCode,
    "reference.meaning": Meaning,
    "reference.behaviour": Behaviour,
}


def describe(entry):
    kind = entry["model"].rpartition(".")[2]
    label = {"statuscode": "code", "vendor": "vendor", "meaning": "meaning"}.get(kind, kind)
    return f"entry #{entry['index']} ({label} {entry.get('pk')!r})"


def read_entries(path):
    """The fixture's entries, each with its 1-based ``index``, checked for shape and duplicates."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: cannot read the fixture: {exc}") from exc
    if not isinstance(raw, list):
        raise CommandError(f"{path}: a fixture is a JSON list of entries.")
    seen = {}
    entries = []
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or entry.get("model") not in MODELS:
            raise CommandError(
                f"{path}: entry #{index} is not one of {', '.join(MODELS)} "
                "(the model names this command loads)."
            )
        entry = {**entry, "index": index}
        key = (entry["model"], entry.get("pk"))
        if key in seen:
            raise CommandError(
                f"{path}: {describe(entry)} duplicates entry #{seen[key]}: each appears once."
            )
        seen[key] = index
        entries.append(entry)
    order = list(MODELS)
    return sorted(entries, key=lambda e: (order.index(e["model"]), e["index"]))


def _problems(exc):
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())


def _digest(model, pk):
    """A digest of the row as stored, its related codes included."""
    stored = serializers.serialize("json", [model.objects.get(pk=pk)], sort_keys=True)
    return hashlib.sha256(stored.encode()).hexdigest()


def _edited(model, pk, name):
    """Whether the row was written since this command loaded it."""
    loaded = LoadedEntry.objects.filter(model=name, key=str(pk)).first()
    if loaded is None:  # loaded before digests were kept: its history tells, if it has one
        history = getattr(model, "history", None)
        return history is None or history.filter(**{model._meta.pk.attname: pk}).exists()
    return loaded.digest != _digest(model, pk)


def _same(instance, m2m_data, stored, entry):
    """Whether ``stored`` already says all the fixture's entry says (fields it omits aside)."""
    given = entry.get("fields", {})
    fields = [field for field in instance._meta.concrete_fields if field.name in given]
    if any(
        field.value_from_object(instance) != field.value_from_object(stored) for field in fields
    ):
        return False
    for name, pks in m2m_data.items():
        has = getattr(stored, name).values_list("pk", flat=True)
        if set(map(str, pks)) != set(map(str, has)):
            return False
    return True


class Command(BaseCommand):
    help = "Add the vendors, status codes and meanings from the fixture that the database lacks."

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=str(DEFAULT_FIXTURE))

    def handle(self, fixture, **options):
        entries = read_entries(fixture)
        existing = {
            name: set(model.objects.values_list("pk", flat=True)) for name, model in MODELS.items()
        }
        # What an entry may refer to: what the database has plus what the fixture brings.
        known = {name: set(pks) for name, pks in existing.items()}
        for entry in entries:
            known[entry["model"]].add(entry.get("pk"))
        added = dict.fromkeys(MODELS, 0)
        updated = edited = 0
        with transaction.atomic():
            saved = []
            for entry in entries:
                outcome, pk = self._load(fixture, entry, existing, known)
                if outcome == "added":
                    added[entry["model"]] += 1
                updated += outcome == "updated"
                edited += outcome == "edited"
                if outcome in ("added", "updated"):
                    saved.append((entry["model"], pk))
            # Digests once every entry is in: a code's related codes loaded after it
            # are part of its row as stored (before, 62 codes read as edited at once).
            for name, pk in saved:
                LoadedEntry.objects.update_or_create(
                    model=name, key=str(pk), defaults={"digest": _digest(MODELS[name], pk)}
                )
            if added["reference.meaning"] or added["reference.behaviour"]:
                # Meanings arrive with their ids: move the id sequence past them
                # (PostgreSQL), or the admin's next new meaning would collide.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), [Meaning, Behaviour]):
                        cursor.execute(sql)
        kept = sum(len(pks) for pks in existing.values()) - updated
        if any(added.values()) or updated:
            self.stdout.write(
                f"Added {added['reference.statuscode']} status codes, "
                f"{added['reference.vendor']} vendors, {added['reference.meaning']} "
                f"meanings and {added['reference.behaviour']} behaviours; brought {updated} "
                "unedited entries up to date with the fixture; "
                f"kept {kept} entries as they were ({edited} of them edited since loaded)."
            )
        else:
            self.stdout.write(
                f"Nothing to add: all {kept} entries are already there "
                f"({edited} of them edited since loaded)."
            )

    def _load(self, fixture, entry, existing, known):
        """Save one entry unless the database has it, or has it as loaded and the fixture
        says otherwise: "added", "updated", "edited" (kept: saved since loaded) or "same";
        and its key."""
        label = describe(entry)
        plain = {k: v for k, v in entry.items() if k != "index"}
        try:
            (obj,) = serializers.deserialize("json", json.dumps([plain]))
        except DeserializationError as exc:
            raise CommandError(f"{fixture}: {label}: {exc}") from exc
        instance = obj.object
        model = MODELS[entry["model"]]
        if instance.pk in existing[entry["model"]]:
            if _edited(model, instance.pk, entry["model"]):
                return "edited", instance.pk
            if _same(instance, obj.m2m_data, model.objects.get(pk=instance.pk), entry):
                return "same", instance.pk
        fields = entry.get("fields", {})
        refers = [("reference.vendor", "vendor", [fields.get("vendor")])]
        if entry["model"] == "reference.statuscode":
            refers.append(("reference.statuscode", "related codes", fields.get("related", [])))
        if entry["model"] in ("reference.meaning", "reference.behaviour"):
            refers.append(("reference.statuscode", "code", [fields.get("code")]))
        for referred, what, keys in refers:
            missing = {k for k in keys if k is not None} - known[referred]
            if missing:
                raise CommandError(
                    f"{fixture}: {label}: {what} {sorted(missing)} are not in the "
                    "fixture or the database."
                )
        # Foreign keys were checked just above, against the fixture as well as the database.
        exclude = {"vendor"} if entry["model"] == "reference.statuscode" else {"code", "vendor"}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise CommandError(f"{fixture}: {label}: {_problems(exc)}") from exc
        if isinstance(instance, StatusCode):
            # A hand-written entry may omit the timestamps that export writes.
            now = timezone.now()
            instance.updated = instance.updated or now
            instance.created = instance.created or instance.updated
        obj.save()  # raw, as loaddata: no history
        return ("updated" if instance.pk in existing[entry["model"]] else "added"), instance.pk
