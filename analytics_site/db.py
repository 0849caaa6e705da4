"""Database helpers shared by the apps' migrations."""

from django.db import migrations


def cascade_foreign_key(table: str, column: str, referenced_table: str) -> migrations.RunSQL:
    """A foreign key that PostgreSQL itself cascades on delete.

    Django's own CASCADE loads every dependent row into Python before deleting it; tenant data
    (websites, events, rollups) can be millions of rows, so such keys are declared in the model as
    `on_delete=DO_NOTHING, db_constraint=False` and constrained here instead. Deleting an account
    is then one DELETE statement.
    """
    name = f"{table}_{column}_fk_cascade"
    return migrations.RunSQL(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") '
        f'REFERENCES "{referenced_table}" ("id") ON DELETE CASCADE',
        f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
    )
