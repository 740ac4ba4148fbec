"""Book covers: image files kept by the site (MEDIA_ROOT/covers/), served by Candor.

A cover comes from an upload in the admin or from `candor covers`, which fetches the
cover URL an import brought (Amazon's item images, a books CSV's cover_url) or else
Open Library's cover for the ISBN. Pages never load images from elsewhere: the
Content-Security-Policy allows images from this site only, and a reader's browser
tells no third party which books they look at.
"""

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from candor.catalog.images import MAX_BYTES, check_image
from candor.catalog.models import Book

OPEN_LIBRARY = "https://covers.openlibrary.org/b/isbn/{isbn}-M.jpg?default=false"
USER_AGENT = "Candor-covers/1.0 (self-hosted book reviews; run by the site's operator)"


def attach_cover(book: Book, data: bytes) -> str:
    """Store the image as the book's cover (replacing any it had); its stored name."""
    extension = check_image(data)
    old = book.cover.name if book.cover else ""
    book.cover.save(f"{book.isbn13}.{extension}", ContentFile(data), save=False)
    Book.objects.filter(pk=book.pk).update(cover=book.cover.name)
    if old and old != book.cover.name:
        book.cover.storage.delete(old)
    return book.cover.name


# --- `candor covers`: fetching from the import's URL or Open Library ------------------

Fetch = Callable[[str], bytes | None]


def fetch_url(url: str, timeout: float = 20.0) -> bytes | None:
    """The body at an http(s) URL; None when the server has nothing there (404);
    OSError for anything else that went wrong (said in the error)."""
    if not url.startswith(("http://", "https://")):
        raise OSError(f"not an http(s) address: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_BYTES + 1)
            return data
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise OSError(f"HTTP {error.code} from {url}") from None


@dataclass
class CoverReport:
    from_import: int = 0
    from_open_library: int = 0
    not_found: list[str] = field(default_factory=list)  # ISBNs nobody has a cover for
    failed: list[tuple[str, str]] = field(default_factory=list)  # (ISBN, reason)

    @property
    def fetched(self) -> int:
        return self.from_import + self.from_open_library


def sources(book: Book) -> list[tuple[str, str]]:
    """Where to look for the book's cover, in order: (which, URL)."""
    template = getattr(settings, "CANDOR_COVERS_URL", OPEN_LIBRARY)
    found = [("import", book.cover_url)] if book.cover_url else []
    return [*found, ("open_library", template.format(isbn=book.isbn13))]


def fetch_cover(book: Book, fetch: Fetch, report: CoverReport, pause: Callable[[], None]) -> None:
    reasons = []
    for which, url in sources(book):
        if which == "open_library":
            pause()  # Open Library limits requests by ISBN per address: go gently
        try:
            data = fetch(url)
            if data is None:
                continue
            attach_cover(book, data)
        except (OSError, ValidationError) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            reasons.append(f"{which}: {message}")
            continue
        if which == "import":
            report.from_import += 1
        else:
            report.from_open_library += 1
        return
    if reasons:
        report.failed.append((book.isbn13, "; ".join(reasons)))
    else:
        report.not_found.append(book.isbn13)


def fetch_covers(
    books: Iterable[Book],
    fetch: Fetch = fetch_url,
    delay: float = 0.0,
    say: Callable[[str], None] = lambda _: None,
) -> CoverReport:
    """Fetch a cover for each book (see `sources`); a book that fails is reported and
    the others go on. ``delay`` seconds are waited before each Open Library request."""
    report = CoverReport()

    def pause() -> None:
        if delay:
            time.sleep(delay)

    for book in books:
        fetch_cover(book, fetch, report, pause)
        say(f"{book.isbn13}: {'cover saved' if book.cover else 'no cover'}")
    return report
