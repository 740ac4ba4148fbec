from typing import Any

from django.core.management.base import BaseCommand

from candor.catalog.models import Book
from candor.reviews.rating import rebuild_book_state, store_book_rating


class Command(BaseCommand):
    help = (
        "Recompute every book's stored rating state from its reviews "
        "(after changing the rating method's constants, or after a bulk load)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        books = Book.objects.order_by("pk")
        for book in books.iterator():
            rebuild_book_state(book)
            store_book_rating(book)
        self.stdout.write(f"Rebuilt the rating state of {books.count()} books.")
