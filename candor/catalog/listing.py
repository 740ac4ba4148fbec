"""The reviews listed under a book's rating (a view, a sort, a star filter) and where one
review sits in that list, so an action on a review can bring the reader back to it."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import QueryDict

from candor.catalog.models import Book
from candor.ratings import VIEWS
from candor.reviews.models import Review

# Every sort is on descending fields, ending with the id so that the order is total.
REVIEW_SORTS = {
    "helpful": ("-helpful_count", "-created_at", "-id"),
    "recent": ("-created_at", "-id"),
}
STAR_FILTERS = ("1", "2", "3", "4", "5")
# Whose reviews: every edition of the book's work (what its rating covers), or the
# edition whose page this is.
EDITION_SCOPES = ("all", "this")


def chosen(query: QueryDict, name: str, allowed: object, default: str) -> str:
    value = query.get(name, default)
    return value if value in allowed else default  # type: ignore[operator]


@dataclass(frozen=True)
class Listing:
    view: str = "candor"
    sort: str = "helpful"
    stars: str = ""  # "" for every star
    editions: str = "all"

    @classmethod
    def from_query(cls, query: QueryDict) -> "Listing":
        """The listing a book page's query string asks for; unknown values fall back."""
        return cls(
            view=chosen(query, "view", VIEWS, "candor"),
            sort=chosen(query, "sort", REVIEW_SORTS, "helpful"),
            stars=chosen(query, "stars", STAR_FILTERS, ""),
            editions=chosen(query, "editions", EDITION_SCOPES, "all"),
        )

    def reviews(self, book: Book) -> QuerySet[Review]:
        """In the verified view, only verified purchases (as that view's rating counts); of
        every edition of the book's work, or of this edition alone."""
        reviews = Review.objects.visible().order_by(*REVIEW_SORTS[self.sort])
        editions = [book.pk]
        if self.editions == "all":
            editions = list(Book.objects.filter(work_id=book.work_id).values_list("pk", flat=True))
        # One edition: its list index gives a page without sorting the book's reviews.
        if len(editions) == 1:
            reviews = reviews.filter(book_id=editions[0])
        else:
            reviews = reviews.filter(book_id__in=editions)
        if self.view == "verified":
            reviews = reviews.filter(verified_purchase=True)
        if self.stars:
            reviews = reviews.filter(rating=int(self.stars))
        return reviews

    def query_string(self, page: int) -> str:
        query = {"view": self.view, "sort": self.sort, "stars": self.stars, "page": page}
        if self.editions != "all":  # the default, left out as before editions existed
            query = {**query, "editions": self.editions}
        return urlencode(query)


def listed_before(review: Review, sort: str) -> Q:
    """Reviews that come before ``review`` in the sort: greater on the first field that
    differs (every field is descending)."""
    before = Q(pk__in=[])
    same = Q()
    for field in (name.lstrip("-") for name in REVIEW_SORTS[sort]):
        value = getattr(review, field)
        before |= same & Q(**{f"{field}__gt": value})
        same &= Q(**{field: value})
    return before


def page_of(
    listing: Listing, review: Review, per_page: int, book: Book | None = None
) -> int | None:
    """The page of ``listing`` on ``book``'s page (the review's own book unless said:
    another edition of its work lists it too) that shows ``review`` now; None when it
    is not listed."""
    reviews = listing.reviews(book or review.book)
    if not reviews.filter(pk=review.pk).exists():
        return None
    return reviews.filter(listed_before(review, listing.sort)).count() // per_page + 1
