from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from candor.catalog.models import Book
from candor.demo import campaign
from candor.demo.desk import ensure_editor, moderate
from candor.demo.load import load_demo


class Command(BaseCommand):
    help = (
        "Migrate the database, load the demo catalogue, run the trust analysis and the "
        "demo's moderation (safe to run again)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # The ratings are stored by `candor trust` below, after scoring.
        counts = load_demo(rebuild=False)
        self.stdout.write(
            f"Demo catalogue loaded: {counts['books']} books ({counts['works']} works), "
            f"{counts['users']} reviewers, {counts['reviews']} reviews."
        )
        editor, password = ensure_editor()
        if password is not None:
            self.stdout.write(
                f"Staff account for /admin/ and /desk/: {editor.username} / {password} "
                "(local demo only)"
            )
        call_command("trust", stdout=self.stdout)
        decided = moderate(editor)
        if decided:
            self.stdout.write(f"Moderation desk: {decided} reported review decided, one waiting.")
        book = Book.objects.get(isbn13=campaign.BOOK_ISBN)
        self.stdout.write(
            f"Have a look at {book.get_absolute_url()}ratings/ (a review campaign, caught) "
            f"and /desk/ (signed in as {editor.username})."
        )
