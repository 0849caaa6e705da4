"""The stored sessions' events move to a table of their own (`aggregation_sessionevents`).

Most queries read only a session's visit-level columns: without its event arrays a stored
session is a few times narrower, and so is every scan of them. The arrays are copied over with
the session's id, then dropped.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

SESSION_EVENTS_TABLE = """
CREATE TABLE aggregation_sessionevents (
    session_id bigint NOT NULL,
    website_id uuid NOT NULL REFERENCES websites_website (id) ON DELETE CASCADE,
    day date NOT NULL,
    event_times timestamptz[] NOT NULL,
    event_types smallint[] NOT NULL,
    event_paths text[] NOT NULL,
    event_names text[] NOT NULL,
    event_groups text[] NOT NULL,
    event_properties jsonb[] NOT NULL
) PARTITION BY RANGE (day);
-- Read beside the sessions of one website's days: joined on (website_id, day, session_id).
CREATE INDEX aggregation_sessionevents_session
    ON aggregation_sessionevents (website_id, day, session_id);
"""

ARRAYS = (
    "event_times",
    "event_types",
    "event_paths",
    "event_names",
    "event_groups",
    "event_properties",
)


def arrays_move(apps, schema_editor):
    from analytics_site.partitions import month_partitions_ensure

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT date_trunc('month', day)::date FROM aggregation_session")
        months = [month for (month,) in cursor.fetchall()]
        month_partitions_ensure(parent="aggregation_sessionevents", months=months, instants=False)
        listed = ", ".join(ARRAYS)
        cursor.execute(
            f"INSERT INTO aggregation_sessionevents (session_id, website_id, day, {listed}) "
            f"SELECT id, website_id, day, {listed} FROM aggregation_session"
        )
        cursor.execute(
            "ALTER TABLE aggregation_session "
            + ", ".join(f"DROP COLUMN {column}" for column in ARRAYS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("aggregation", "0006_partial_sessions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(SESSION_EVENTS_TABLE),
                migrations.RunPython(arrays_move),
            ],
            state_operations=[
                *(migrations.RemoveField(model_name="session", name=column) for column in ARRAYS),
                migrations.CreateModel(
                    name="SessionEvents",
                    fields=[
                        ("session_id", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("day", models.DateField()),
                        (
                            "event_times",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.DateTimeField(), size=None
                            ),
                        ),
                        (
                            "event_types",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.SmallIntegerField(), size=None
                            ),
                        ),
                        (
                            "event_paths",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.TextField(), size=None
                            ),
                        ),
                        (
                            "event_names",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.TextField(null=True), size=None
                            ),
                        ),
                        (
                            "event_groups",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.TextField(null=True), size=None
                            ),
                        ),
                        (
                            "event_properties",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.JSONField(null=True), size=None
                            ),
                        ),
                        (
                            "website",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="websites.website",
                            ),
                        ),
                    ],
                    options={"db_table": "aggregation_sessionevents"},
                ),
            ],
        ),
    ]
