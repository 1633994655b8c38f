"""Load the data set (vendors, status codes, their other meanings), adding only what is missing.

Unlike ``loaddata`` this never overwrites an entry: what editors curated in the
admin survives every re-run of the set-up. An entry is identified by its primary
key (a vendor's slug, a code's number, a meaning's id); one the database already
has is left as it is, even if the fixture says something else. A bad fixture
stops the whole load with a message naming the entry, and the database is left
as it was.
"""

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

from reference.models import Meaning, StatusCode, Vendor

DEFAULT_FIXTURE = Path(settings.FIXTURE_DIRS[0]) / "status_codes.json"
# The order a fixture lists (and the load saves) the models in: what is referred to first.
MODELS = {
    "reference.vendor": Vendor,
    "reference.statuscode": StatusCode,
    "reference.meaning": Meaning,
}


def describe(entry):
    kind = entry["model"].rpartition(".")[2]
    label = {"statuscode": "code", "vendor": "vendor", "meaning": "meaning"}[kind]
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
        with transaction.atomic():
            for entry in entries:
                if self._load(fixture, entry, existing, known):
                    added[entry["model"]] += 1
            if added["reference.meaning"]:
                # Meanings arrive with their ids: move the id sequence past them
                # (PostgreSQL), or the admin's next new meaning would collide.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), [Meaning]):
                        cursor.execute(sql)
        kept = sum(len(pks) for pks in existing.values())
        if any(added.values()):
            self.stdout.write(
                f"Added {added['reference.statuscode']} status codes, "
                f"{added['reference.vendor']} vendors and {added['reference.meaning']} "
                f"meanings; kept {kept} entries as they were."
            )
        else:
            self.stdout.write(f"Nothing to add: all {kept} entries are already there.")

    def _load(self, fixture, entry, existing, known):
        """Save one entry unless the database has it; True when it was added."""
        label = describe(entry)
        plain = {k: v for k, v in entry.items() if k != "index"}
        try:
            (obj,) = serializers.deserialize("json", json.dumps([plain]))
        except DeserializationError as exc:
            raise CommandError(f"{fixture}: {label}: {exc}") from exc
        instance = obj.object
        if instance.pk in existing[entry["model"]]:
            return False
        fields = entry.get("fields", {})
        refers = [("reference.vendor", "vendor", [fields.get("vendor")])]
        if entry["model"] == "reference.statuscode":
            refers.append(("reference.statuscode", "related codes", fields.get("related", [])))
        if entry["model"] == "reference.meaning":
            refers.append(("reference.statuscode", "code", [fields.get("code")]))
        for model, what, keys in refers:
            missing = {k for k in keys if k is not None} - known[model]
            if missing:
                raise CommandError(
                    f"{fixture}: {label}: {what} {sorted(missing)} are not in the "
                    "fixture or the database."
                )
        # Foreign keys were checked just above, against the fixture as well as the database.
        exclude = {"code", "vendor"} if entry["model"] == "reference.meaning" else {"vendor"}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise CommandError(f"{fixture}: {label}: {_problems(exc)}") from exc
        if isinstance(instance, StatusCode):
            # A hand-written entry may omit the timestamps that export writes.
            now = timezone.now()
            instance.updated = instance.updated or now
            instance.created = instance.created or instance.updated
        obj.save()
        return True
