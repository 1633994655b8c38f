"""Restore a backup made by ``manage.py backup`` over the database the settings name.

    deploy/manage restore /var/backups/statuscodes/statuscodes-20261204T120000Z.dump

Everything in the database is replaced by what the backup holds, in one go:
SQLite through its online backup API (readers see the old data or the new, never
a mix); PostgreSQL with ``pg_restore --clean --single-transaction`` (all or
nothing). Every instance shows the restored data on its next request: the data
version is read from the database, and pages are cached under it.
"""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup import engine, run_postgres_tool


class Command(BaseCommand):
    help = "Replace the site's database with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        vendor = engine()
        database = connection.settings_dict
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"no backup at {source}")
        connection.close()
        if vendor == "sqlite":
            try:
                backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
                backup.execute("PRAGMA schema_version").fetchone()  # is it SQLite at all?
            except sqlite3.DatabaseError as error:
                raise CommandError(f"{source} is not an SQLite backup: {error}") from error
            live = sqlite3.connect(database["NAME"], timeout=20)
            with live:
                backup.backup(live)
            live.close()
            backup.close()
        else:
            run_postgres_tool(
                "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                str(source),
            )  # fmt: skip
        self.stdout.write(f"Restored {source}")
