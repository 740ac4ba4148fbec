"""The bibliographic block for a reviewed book, generated from the catalogue.

One structure feeds the web page, the PDF and the citations, so they never
disagree about what was reviewed.
"""

from dataclasses import asdict, dataclass
from typing import Any

from candor.catalog.models import Book, Contribution


@dataclass(frozen=True)
class Credit:
    name: str
    role: str  # a Contribution.Role value
    family: str = ""  # the name's parts, for citations (candor.catalog.names)
    given: str = ""


@dataclass(frozen=True)
class BookReference:
    title: str
    subtitle: str
    credits: tuple[Credit, ...]
    city: str
    publisher: str
    year: int | None
    pages: int | None
    isbn: str  # hyphenated ISBN-13
    url_path: str

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    @property
    def authors(self) -> list[str]:
        """Authors and co-authors; editors when a book has no author (an edited volume)."""
        return [credit.name for credit in self.author_credits]

    @property
    def author_credits(self) -> list[Credit]:
        """The credits behind `authors`, with their name parts."""
        writers = [c for c in self.credits if c.role in _WRITER_ROLES]
        return writers or [c for c in self.credits if c.role == Contribution.Role.EDITOR]

    @property
    def responsibility(self) -> str:
        """ "By A and B. Edited by C. Translated by D." without the final full stop."""
        parts = []
        writers = [c.name for c in self.credits if c.role in _WRITER_ROLES]
        if writers:
            parts.append(f"By {join_names(writers)}")
        for role, label in ((Contribution.Role.EDITOR, "Edited"), ("translator", "Translated")):
            names = [c.name for c in self.credits if c.role == role]
            if names:
                parts.append(f"{label} by {join_names(names)}")
        return ". ".join(parts)

    @property
    def imprint(self) -> str:
        """ "Stanford, California: Stanford University Press, 1993" (parts may be missing)."""
        place = ": ".join(part for part in (self.city, self.publisher) if part)
        return ", ".join(part for part in (place, str(self.year or "")) if part)

    @property
    def extent(self) -> str:
        return f"{self.pages} pp." if self.pages else ""

    def as_text(self) -> str:
        """The whole block as one line of plain text."""
        parts = [self.full_title, self.responsibility, self.imprint, self.extent]
        return ". ".join(p.rstrip(".") for p in parts if p) + f". ISBN {self.isbn}."

    def as_data(self) -> dict[str, Any]:
        """JSON-ready, with the derived lines the PDF template prints."""
        data = asdict(self)
        data.update(
            full_title=self.full_title,
            responsibility=self.responsibility,
            imprint=self.imprint,
            extent=self.extent,
        )
        return data


_WRITER_ROLES = {Contribution.Role.AUTHOR, Contribution.Role.CO_AUTHOR}


def join_names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def book_reference(book: Book) -> BookReference:
    credits = tuple(
        Credit(c.person.name, c.role, c.person.name_parts.family, c.person.name_parts.given)
        for c in book.contributions.select_related("person")
    )
    publisher = book.publisher
    return BookReference(
        title=book.title,
        subtitle=book.subtitle,
        credits=credits,
        city=publisher.city if publisher else "",
        publisher=publisher.name if publisher else "",
        year=book.year,
        pages=book.pages,
        isbn=book.isbn13_display,
        url_path=book.get_absolute_url(),
    )
