from typing import Any

from django.core.management.base import BaseCommand

from candor.reviews import store


class Command(BaseCommand):
    help = (
        "Recompute the catalogue prior, then every book's stored rating, from the reviews "
        "(after upgrading Candor or changing the rating method's constants)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rated = store.rebuild()
        self.stdout.write(f"Recomputed the catalogue prior and the ratings of {rated} books.")
