"""The data version: a one-row table that triggers bump on every write to curated data.

Both SQLite and PostgreSQL run the same UPSERT, so a flushed table (tests) starts
again at 1 with a new time. SQLite triggers fire per row, PostgreSQL's here per
statement (a TRUNCATE included).
"""

from django.db import migrations, models

CURATED = [
    "reference_statuscode",
    "reference_statuscode_related",
    "reference_vendor",
    "reference_meaning",
]

# The nonce makes each write's version unique even where a rolled-back write
# (a test's, a failed save's) had taken the same number at the same millisecond.
UPSERT = (
    "INSERT INTO reference_dataversion (id, number, changed, nonce) VALUES (1, 1, {now}, {nonce}) "
    "ON CONFLICT (id) DO UPDATE SET number = reference_dataversion.number + 1, "
    "changed = excluded.changed, nonce = excluded.nonce"
)
SQLITE_NONCE = "lower(hex(randomblob(8)))"
POSTGRES_NONCE = "substr(md5(random()::text || clock_timestamp()::text), 1, 16)"
# What Django itself writes for a UTC datetime on SQLite, to the microsecond.
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def table_triggers(vendor, table):
    """The statements that make writes to ``table`` bump the version (later tables too)."""
    if vendor == "sqlite":
        upsert = UPSERT.format(now=SQLITE_NOW, nonce=SQLITE_NONCE)
        return [
            f"CREATE TRIGGER {table}_{event.lower()}_version AFTER {event} ON {table} "
            f"BEGIN {upsert}; END"
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    if vendor == "postgresql":
        return [
            f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_data_version()"
        ]
    raise NotImplementedError(f"no data-version triggers for {vendor}")


def dropped_table_triggers(vendor, table):
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_{event}_version"
            for event in ("insert", "update", "delete")
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_version ON {table}"]


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION reference_bump_data_version() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"{UPSERT.format(now='clock_timestamp()', nonce=POSTGRES_NONCE)}; RETURN NULL; END $$"
            )
        for table in CURATED:
            for statement in table_triggers(connection.vendor, table):
                cursor.execute(statement)
        nonce = SQLITE_NONCE if connection.vendor == "sqlite" else POSTGRES_NONCE
        cursor.execute(UPSERT.format(now="CURRENT_TIMESTAMP", nonce=nonce))


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in CURATED:
            for statement in dropped_table_triggers(connection.vendor, table):
                cursor.execute(statement)
        if connection.vendor != "sqlite":
            cursor.execute("DROP FUNCTION IF EXISTS reference_bump_data_version()")


class Migration(migrations.Migration):
    dependencies = [("reference", "0003_editors_history")]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.BigIntegerField()),
                ("changed", models.DateTimeField()),
                ("nonce", models.CharField(max_length=16)),
            ],
            options={"db_table": "reference_dataversion"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
