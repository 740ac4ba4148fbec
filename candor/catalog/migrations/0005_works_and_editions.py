"""Works and editions: every book becomes the one edition of a work of its own.

Each work takes its book's id and title, so that the link is one UPDATE however large
the catalogue; the work's rating is the book's, so the book's stored rating data is
kept and copied to its edition rating (the numbers are the same for a work of one
edition). Backwards, works and links are dropped (works merged since are lost).
"""

import candor.catalog.fields
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models
from django.db.models import F

CHUNK = 5000


def works_of_books(apps, schema_editor):
    Book = apps.get_model("catalog", "Book")
    Work = apps.get_model("catalog", "Work")
    rows = Book.objects.order_by("pk").values_list("pk", "title")
    last = 0
    while True:
        part = list(rows.filter(pk__gt=last)[:CHUNK])
        if not part:
            break
        Work.objects.bulk_create([Work(pk=pk, title=title) for pk, title in part])
        last = part[-1][0]
    Book.objects.update(
        work_id=F("id"),
        edition_rating=F("rating"),
        edition_rating_count=F("rating_count"),
        edition_rating_data=F("rating_data"),
    )
    # The ids were given: move PostgreSQL's sequence past them for the next work.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Work]):
            cursor.execute(statement)
    check_now(connection)


def drop_works(apps, schema_editor):
    apps.get_model("catalog", "Book").objects.update(work=None)
    apps.get_model("catalog", "EditionChange").objects.all().delete()
    apps.get_model("catalog", "Work").objects.all().delete()
    check_now(schema_editor.connection)


def check_now(connection):
    """Check the foreign keys just written now: PostgreSQL refuses the ALTER TABLE that
    follows in the same transaction while their deferred checks are pending."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_rating_data'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='book',
            name='edition_rating',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='book',
            name='edition_rating_count',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='book',
            name='edition_rating_data',
            field=candor.catalog.fields.JSONTextField(default=dict, editable=False),
        ),
        migrations.AddField(
            model_name='book',
            name='format',
            field=models.CharField(blank=True, choices=[('hardcover', 'Hardcover'), ('paperback', 'Paperback'), ('ebook', 'E-book'), ('audiobook', 'Audiobook'), ('other', 'Other')], max_length=20),
        ),
        migrations.AddField(
            model_name='book',
            name='language',
            field=models.CharField(blank=True, help_text="The edition's language as a tag, e.g. en, de, pt-BR (a translation is an edition of the same work).", max_length=35, validators=[django.core.validators.RegexValidator('^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$', 'A language tag such as en, de or pt-BR.')]),
        ),
        migrations.CreateModel(
            name='Work',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300)),
                ('external_id', models.CharField(blank=True, max_length=200, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['title', 'id'],
                'constraints': [models.UniqueConstraint(fields=('external_id',), name='work_external_id_unique')],
            },
        ),
        migrations.CreateModel(
            name='EditionChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('attach', 'Attached to a work'), ('split', 'Split off into a work of its own'), ('merge', 'Works merged')], max_length=10)),
                ('work_title', models.CharField(max_length=300)),
                ('isbns', models.JSONField(default=list)),
                ('from_works', models.JSONField(default=list)),
                ('source', models.CharField(max_length=300)),
                ('note', models.TextField(blank=True, max_length=2000)),
                ('rating_before', models.FloatField(blank=True, null=True)),
                ('count_before', models.PositiveIntegerField(default=0)),
                ('rating_after', models.FloatField(blank=True, null=True)),
                ('count_after', models.PositiveIntegerField(default=0)),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('work', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes', to='catalog.work')),
            ],
            options={
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='book',
            name='work',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='editions', to='catalog.work'),
        ),
        migrations.RunPython(works_of_books, drop_works),
        migrations.AlterField(
            model_name='book',
            name='work',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='editions', to='catalog.work'),
        ),
        migrations.AddConstraint(
            model_name='book',
            constraint=models.CheckConstraint(condition=models.Q(('edition_rating__isnull', True), models.Q(('edition_rating__gte', 1), ('edition_rating__lte', 5)), _connector='OR'), name='book_edition_rating_range'),
        ),
    ]
