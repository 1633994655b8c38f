"""Create (or promote) an editor: a staff account in the "Editors" group."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from reference.apps import EDITORS_GROUP


class Command(BaseCommand):
    help = "Create an editor account that can view and change status codes in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="Set this password (otherwise you are asked for one)."
        )

    def handle(self, username, email, password, **options):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        user.is_staff = True
        if password is None and created:
            from getpass import getpass

            password = getpass(f"Password for {username}: ")
        if password:
            user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=EDITORS_GROUP))
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} editor {username!r}; they can sign in at the admin.")
