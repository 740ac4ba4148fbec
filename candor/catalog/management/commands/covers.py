from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.catalog.covers import fetch_covers
from candor.catalog.isbn import looks_like_isbn
from candor.catalog.models import Book


class Command(BaseCommand):
    help = (
        "Fetch book covers (needs internet): from the address an import gave, else Open "
        "Library's cover for the ISBN. Books that have a cover are left alone unless --replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--isbn", help="only this book (ISBN-10 or ISBN-13)")
        parser.add_argument("--limit", type=int, default=0, help="at most this many books")
        parser.add_argument(
            "--replace", action="store_true", help="fetch again for books that have a cover"
        )
        parser.add_argument(
            "--delay",
            type=float,
            default=3.0,
            help="seconds to wait before each Open Library request (default 3: Open Library "
            "allows about 100 cover look-ups by ISBN per address every 5 minutes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        books = Book.objects.order_by("-rating_count", "pk")
        if options["isbn"]:
            isbn = looks_like_isbn(options["isbn"])
            if isbn is None:
                raise CommandError(f"--isbn: {options['isbn']!r} is not a valid ISBN")
            books = books.filter(isbn13=isbn)
            if not books.exists():
                raise CommandError(f"--isbn: no book with ISBN {isbn}")
        if not options["replace"]:
            books = books.filter(cover="")
        if options["limit"] < 0 or options["delay"] < 0:
            raise CommandError("--limit and --delay cannot be negative")
        if options["limit"]:
            books = books[: options["limit"]]
        verbose = options["verbosity"] > 1
        report = fetch_covers(
            books.iterator(),
            delay=options["delay"],
            say=self.stdout.write if verbose else (lambda _: None),
        )
        for isbn, reason in report.failed:
            self.stderr.write(f"{isbn}: {reason}")
        self.stdout.write(
            f"{report.fetched} covers saved ({report.from_import} from import addresses, "
            f"{report.from_open_library} from Open Library); {len(report.not_found)} books "
            f"with no cover to be found; {len(report.failed)} failed."
        )
