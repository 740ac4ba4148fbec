"""Every book's rating without the helpful-vote bonus, and the catalogue prior it uses.

Helpful votes no longer weigh a review (they sort reviews: an imported file can carry
any count), so every stored rating and the catalogue prior change, and the stored
explanation loses its helpful-votes stage (`store.DATA_VERSION` 3). As 0009: reads the
reviews through this migration's models and computes with the rating store's pure
functions.
"""

from django.db import migrations
from django.utils import timezone


def recompute(apps, schema_editor):
    from candor.reviews.store import (
        REVIEW_COLUMNS,
        StoredPrior,
        book_data,
        book_mixes,
        catalogue_prior,
        chunks,
        from_rows,
    )

    Book = apps.get_model("catalog", "Book")
    Review = apps.get_model("reviews", "Review")
    CataloguePrior = apps.get_model("reviews", "CataloguePrior")
    now = timezone.now()
    ids = list(Book.objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return  # a new database: the typical book's prior until there is a catalogue

    def columns(part):
        rows = Review.objects.filter(book_id__in=part, hidden=False).values_list(*REVIEW_COLUMNS)
        return from_rows(list(rows))

    prior, books = catalogue_prior([book_mixes(part, *columns(part), now) for part in chunks(ids)])
    CataloguePrior.objects.create(alpha=list(prior.alpha), books=books, computed_at=now)
    stored = StoredPrior(prior, now)
    for part in chunks(ids):
        data = book_data(part, *columns(part), stored, now)
        changed = []
        for pk, item in zip(part, data, strict=True):
            candor = item["scores"]["candor"]
            changed.append(
                Book(pk=pk, rating=candor["rating"], rating_count=candor["count"], rating_data=item)
            )
        Book.objects.bulk_update(changed, ["rating", "rating_count", "rating_data"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_rating_data"),
        ("reviews", "0010_rating_read_covered"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
