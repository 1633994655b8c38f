"""Write the database's data set back to the fixture, for review and commit.

One file holds it all, in the order the load needs it: vendors, then status
codes, then the other meanings codes carry.
"""

import datetime
from itertools import chain

from django.core import serializers
from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from reference.models import Behaviour, Meaning, StatusCode, Vendor

from .load_codes import DEFAULT_FIXTURE


class LosslessEncoder(DjangoJSONEncoder):
    """Keep timestamps to the microsecond (Django's encoder cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat().replace("+00:00", "Z")
        return super().default(o)


class Command(BaseCommand):
    help = "Export every vendor, status code and meaning, as curated in the admin, to the fixture."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", default=str(DEFAULT_FIXTURE))

    def handle(self, output, **options):
        vendors = Vendor.objects.order_by("slug")
        codes = StatusCode.objects.order_by("code").prefetch_related("related")
        meanings = Meaning.objects.order_by("code", "order", "pk")
        behaviours = Behaviour.objects.order_by("code", "order", "pk")
        with open(output, "w", encoding="utf-8") as stream:
            serializers.serialize(
                "json",
                chain(vendors, codes, meanings, behaviours),
                stream=stream,
                indent=2,
                ensure_ascii=False,
                cls=LosslessEncoder,
            )
            stream.write("\n")
        self.stdout.write(
            f"Exported {vendors.count()} vendors, {codes.count()} status codes, "
            f"{meanings.count()} meanings and {behaviours.count()} behaviours to {output}."
        )
