"""Indexes for search: pg_trgm and GIN trigram indexes on PostgreSQL, FTS5 trigram
tables with triggers on SQLite (candor.catalog.search_index). PgTrigram (Django's
TrigramExtension) does nothing on SQLite."""

from django.db import migrations

from candor.catalog import search_index


def forwards(apps, schema_editor):
    search_index.install(schema_editor.connection)


def backwards(apps, schema_editor):
    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0007_person_name_parts"),
    ]

    operations = [
        search_index.PgTrigram(),
        migrations.RunPython(forwards, backwards),
    ]
