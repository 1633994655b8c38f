"""Back up the database the settings name, online, to one file.

    deploy/manage backup                      # into STATUSCODES_BACKUP_DIR, dated
    deploy/manage backup /path/to/file        # or this file

SQLite: SQLite's online backup (what the sqlite3 shell's ``.backup`` does), a
consistent copy while the site keeps serving and editors keep saving.
PostgreSQL: ``pg_dump --format=custom``, one consistent snapshot. Restore either
with ``deploy/manage restore FILE``.
"""

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def postgres_env(database):
    """libpq's variables for the database the settings name (never on a command line)."""
    env = {**os.environ}
    for setting, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if database.get(setting):
            env[variable] = str(database[setting])
    return env


def run_postgres_tool(tool, *args):
    """pg_dump or pg_restore against the database the settings name; CommandError if it fails."""
    database = connection.settings_dict
    done = subprocess.run(
        [tool, *args, "--dbname", database["NAME"]],
        env=postgres_env(database),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CommandError(f"{tool} failed: {done.stderr.strip()}")


def engine():
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise CommandError(f"backups of {vendor} databases are not supported")
    return vendor


class Command(BaseCommand):
    help = "Back up the site's database (SQLite or PostgreSQL) to one file, online."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write it (default: a dated file)")

    def handle(self, *args, file=None, **options):
        vendor = engine()
        database = connection.settings_dict
        if file is None:
            directory = Path(
                os.environ.get("STATUSCODES_BACKUP_DIR", settings.DATA_DIR / "backups")
            )
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            suffix = "sqlite3" if vendor == "sqlite" else "dump"
            file = directory / f"statuscodes-{stamp}.{suffix}"
        target = Path(file)
        partial = target.with_name(target.name + ".partial")
        # Private (it holds editors' password hashes), and complete or absent.
        os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
        try:
            if vendor == "sqlite":
                source = sqlite3.connect(database["NAME"])
                destination = sqlite3.connect(partial)
                with destination:
                    source.backup(destination)
                destination.close()
                source.close()
            else:
                run_postgres_tool(
                    "pg_dump", "--format=custom", "--no-owner", "--file", str(partial)
                )
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Backed up to {target}")
