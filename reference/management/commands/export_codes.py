"""Write the database's status codes back to the fixture, for review and commit."""

import datetime

from django.core import serializers
from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from reference.models import StatusCode

from .load_codes import DEFAULT_FIXTURE


class LosslessEncoder(DjangoJSONEncoder):
    """Keep timestamps to the microsecond (Django's encoder cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat().replace("+00:00", "Z")
        return super().default(o)


class Command(BaseCommand):
    help = "Export every status code, as curated in the admin, to the fixture file."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", default=str(DEFAULT_FIXTURE))

    def handle(self, output, **options):
        queryset = StatusCode.objects.order_by("code").prefetch_related("related")
        with open(output, "w", encoding="utf-8") as stream:
            serializers.serialize(
                "json", queryset, stream=stream, indent=2, ensure_ascii=False, cls=LosslessEncoder
            )
            stream.write("\n")
        self.stdout.write(f"Exported {queryset.count()} status codes to {output}.")
