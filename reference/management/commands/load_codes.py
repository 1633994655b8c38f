"""Load the status-code fixtures, adding only the codes the database lacks.

Unlike ``loaddata`` this never overwrites an entry: what editors curated in the
admin survives every re-run of the set-up. A bad fixture stops the whole load
with a message naming the entry, and the database is left as it was.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import transaction
from django.utils import timezone

from reference.models import StatusCode

DEFAULT_FIXTURE = Path(settings.FIXTURE_DIRS[0]) / "status_codes.json"


def describe(entry):
    return f"entry #{entry['index']} (code {entry['pk']!r})"


def read_entries(path):
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: cannot read the fixture: {exc}") from exc
    if not isinstance(raw, list):
        raise CommandError(f"{path}: a fixture is a JSON list of entries.")
    seen = {}
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or entry.get("model") != "reference.statuscode":
            raise CommandError(f"{path}: entry #{index} is not a reference.statuscode entry.")
        entry = {**entry, "index": index}
        pk = entry.get("pk")
        if pk in seen:
            raise CommandError(
                f"{path}: {describe(entry)} duplicates entry #{seen[pk]}: each code appears once."
            )
        seen[pk] = index
    return raw


class Command(BaseCommand):
    help = "Add the status codes from the fixture that the database does not have yet."

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=str(DEFAULT_FIXTURE))

    def handle(self, fixture, **options):
        entries = read_entries(fixture)
        existing = set(StatusCode.objects.values_list("code", flat=True))
        known = existing | {e.get("pk") for e in entries}
        added = []
        with transaction.atomic():
            for index, entry in enumerate(entries, start=1):
                label = describe({**entry, "index": index})
                try:
                    (obj,) = serializers.deserialize("json", json.dumps([entry]))
                except DeserializationError as exc:
                    raise CommandError(f"{fixture}: {label}: {exc}") from exc
                code = obj.object.code
                if code in existing:
                    continue
                try:
                    obj.object.full_clean(validate_unique=False, validate_constraints=False)
                except ValidationError as exc:
                    problems = "; ".join(
                        f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
                    )
                    raise CommandError(f"{fixture}: {label}: {problems}") from exc
                missing = set(entry["fields"].get("related", [])) - known
                if missing:
                    raise CommandError(
                        f"{fixture}: {label}: related codes {sorted(missing)} are not in the "
                        "fixture or the database."
                    )
                # A hand-written entry may omit the timestamps that export writes.
                now = timezone.now()
                obj.object.updated = obj.object.updated or now
                obj.object.created = obj.object.created or obj.object.updated
                obj.save()
                added.append(code)
        if added:
            self.stdout.write(
                f"Added {len(added)} status codes; kept {len(existing)} as they were."
            )
        else:
            self.stdout.write(f"Nothing to add: all {len(existing)} codes are already there.")
