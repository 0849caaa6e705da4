from django.db import migrations, models

# On the partitioned parent: every partition, present and future, gets the columns. Nullable
# without a default, they change the catalog only (no partition is rewritten).
ADD_COLUMNS = """
ALTER TABLE ingest_event
    ADD COLUMN utm_term varchar(255),
    ADD COLUMN utm_content varchar(255);
"""
DROP_COLUMNS = """
ALTER TABLE ingest_event
    DROP COLUMN utm_term,
    DROP COLUMN utm_content;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0002_drain_epoch_dead_letters"),
    ]

    operations = [
        migrations.RunSQL(
            ADD_COLUMNS,
            DROP_COLUMNS,
            state_operations=[
                migrations.AddField(
                    model_name="event",
                    name="utm_term",
                    field=models.CharField(max_length=255, null=True),
                ),
                migrations.AddField(
                    model_name="event",
                    name="utm_content",
                    field=models.CharField(max_length=255, null=True),
                ),
            ],
        ),
    ]
