"""Write the database's status codes back to the fixture, for review and commit."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from .load_codes import DEFAULT_FIXTURE


class Command(BaseCommand):
    help = "Export every status code, as curated in the admin, to the fixture file."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", default=str(DEFAULT_FIXTURE))

    def handle(self, output, **options):
        call_command(
            "dumpdata", "reference.StatusCode", indent=2, output=output, verbosity=0
        )
        self.stdout.write(f"Exported the status codes to {output}.")
