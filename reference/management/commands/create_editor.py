"""Create (or promote) an editor: a staff account in the "Editors" group.

    manage.py create_editor alice --email alice@example.com         # asks for the password
    printf '%s\n' "$PW" | manage.py create_editor alice --password-stdin
    DJANGO_EDITOR_PASSWORD="$PW" manage.py create_editor alice

The password goes through the site's password validators, and the account is
created in one transaction: on any error nothing is created or changed.
"""

import getpass
import os
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core import validators
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from reference.apps import EDITORS_GROUP

PASSWORD_VARIABLE = "DJANGO_EDITOR_PASSWORD"


def messages(error):
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create an editor account that can view and change status codes in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input (for scripts).",
        )
        parser.add_argument(
            "--password",
            help=f"The password (visible to other users of the machine: prefer "
            f"--password-stdin or {PASSWORD_VARIABLE}).",
        )

    def handle(self, *args, **options):
        try:
            self.create(*args, **options)
        except DatabaseError as error:
            raise CommandError(
                f"The database is not ready ({error}): run `manage.py migrate` first."
            ) from None

    def create(self, username, email, password_stdin, password, **options):
        User = get_user_model()
        try:
            User._meta.get_field(User.USERNAME_FIELD).clean(username, None)
            if email:
                validators.validate_email(email)
        except ValidationError as error:
            raise CommandError(messages(error)) from None

        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, email=email)
        elif email:
            user.email = email

        password = self.password(username, password_stdin, password, user)
        if password is None and not user.has_usable_password():
            raise CommandError(
                f"{username!r} needs a password to sign in: give one with --password-stdin "
                f"or {PASSWORD_VARIABLE}, or run the command in a terminal to be asked."
            )
        if password is not None:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise CommandError(f"Password refused: {messages(error)}") from None
            user.set_password(password)

        try:
            group = Group.objects.get(name=EDITORS_GROUP)
        except Group.DoesNotExist:
            raise CommandError(
                f"The {EDITORS_GROUP!r} group does not exist: run `manage.py migrate` first."
            ) from None
        with transaction.atomic():
            user.is_staff = True
            user.save()
            user.groups.add(group)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} editor {username!r}; they can sign in at the admin.")

    def password(self, username, from_stdin, given, user):
        """The new password, or None to keep an existing editor's one."""
        if from_stdin:
            line = sys.stdin.readline().rstrip("\r\n")
            if not line:
                raise CommandError("--password-stdin: standard input held no password.")
            return line
        if given is not None:
            return given
        if os.environ.get(PASSWORD_VARIABLE):
            return os.environ[PASSWORD_VARIABLE]
        if user.pk is not None and user.has_usable_password():
            return None  # promoting an account that can already sign in
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password for {username!r} and no terminal to ask for one: pipe it in "
                f"with --password-stdin, or set {PASSWORD_VARIABLE}."
            )
        try:
            first = getpass.getpass(f"Password for {username}: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError("No password entered; nothing was changed.") from None
        if first != second:
            raise CommandError("The two passwords differ; nothing was changed.")
        return first
