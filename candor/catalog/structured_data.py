"""schema.org data for a book page (JSON-LD): the book, Candor's rating of it as the page
shows it, the reviews listed on the page and the shop's offer.

Search engines read it to show the stars and the price under a link. Every number is one
the page itself shows: the rating is Candor's, rounded as on the page.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from candor.accounts.models import display_name
from candor.catalog.models import Book, Contribution
from candor.catalog.templatetags.candor import one_decimal
from candor.ratings import RatingResult
from candor.reviews.models import Review

BEST, WORST = 5, 1
ROLE_PROPERTIES = {
    Contribution.Role.AUTHOR: "author",
    Contribution.Role.CO_AUTHOR: "author",
    Contribution.Role.EDITOR: "editor",
    Contribution.Role.TRANSLATOR: "translator",
}

Absolute = Callable[[str], str]


def people(book: Book, absolute: Absolute) -> dict[str, list[dict[str, str]]]:
    credited: dict[str, list[dict[str, str]]] = {}
    for contribution in book.contributions.all():
        person = contribution.person
        entry = {"@type": "Person", "name": person.name, "url": absolute(person.get_absolute_url())}
        credited.setdefault(ROLE_PROPERTIES[contribution.role], []).append(entry)
    return credited


def aggregate_rating(result: RatingResult) -> dict[str, Any] | None:
    """Candor's rating as the page shows it (one decimal); None for a book without one."""
    if result.rating is None or result.count < 1:
        return None
    return {
        "@type": "AggregateRating",
        "ratingValue": float(one_decimal(result.rating)),
        "bestRating": BEST,
        "worstRating": WORST,
        "ratingCount": result.count,
    }


def review_item(review: Review, absolute: Absolute) -> dict[str, Any]:
    author = {"@type": "Person", "name": display_name(review.user)}
    if review.user.is_active:
        # Only active accounts have a profile page (imported readers and the accounts
        # that keep a closed account's reviews have none).
        author["url"] = absolute(reverse("profile", args=[review.user.get_username()]))
    item: dict[str, Any] = {
        "@type": "Review",
        "author": author,
        "datePublished": review.created_at.date().isoformat(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": review.rating,
            "bestRating": BEST,
            "worstRating": WORST,
        },
    }
    if review.title:
        item["name"] = review.title
    if review.text:
        item["reviewBody"] = review.text
    return item


def offer(book: Book) -> dict[str, Any] | None:
    """The shop's offer, when the catalogue knows the price in a currency."""
    if book.price is None or not book.currency:
        return None
    item = {"@type": "Offer", "price": f"{book.price:.2f}", "priceCurrency": book.currency}
    if book.buy_url:
        item["url"] = book.buy_url
    return item


def cover_path(book: Book) -> str | None:
    """The address the page shows the book's cover at (a new cover, a new address)."""
    if not book.cover:
        return None
    return f"{reverse('book_cover', args=[book.slug])}?v={quote(book.cover.name)}"


def book_data(
    book: Book, candor: RatingResult, reviews: Iterable[Review], absolute: Absolute
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Book",
        "@id": absolute(book.get_absolute_url()),
        "url": absolute(book.get_absolute_url()),
        "name": book.title,
        "isbn": book.isbn13,
        **people(book, absolute),
    }
    optional = {
        "alternativeHeadline": book.subtitle,
        "image": absolute(cover) if (cover := cover_path(book)) else None,
        "description": book.description,
        "numberOfPages": book.pages,
        "datePublished": str(book.year) if book.year else None,
        "publisher": {"@type": "Organization", "name": book.publisher.name}
        if book.publisher
        else None,
        "isPartOf": {
            "@type": "BookSeries",
            "name": book.series.name,
            "url": absolute(book.series.get_absolute_url()),
        }
        if book.series
        else None,
        "aggregateRating": aggregate_rating(candor),
        "review": [review_item(review, absolute) for review in reviews] or None,
        "offers": offer(book),
    }
    data.update({key: value for key, value in optional.items() if value})
    return data


# Inside <script> only "</script" or "<!--" could end the block early: escape < > & as
# JSON's \u escapes, which every JSON reader turns back into the same characters.
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_ld(data: dict[str, Any]) -> SafeString:
    """The data as the text of a <script type="application/ld+json"> block."""
    return mark_safe(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_SAFE)
    )
