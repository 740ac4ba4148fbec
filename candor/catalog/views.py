from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from candor.catalog import browse
from candor.catalog.chart import rating_chart
from candor.catalog.edition_page import editions_of
from candor.catalog.images import content_type
from candor.catalog.listing import Listing
from candor.catalog.models import Book, Person, Series
from candor.catalog.search import RESULTS as search_results_limit
from candor.catalog.search import search_books
from candor.catalog.site_urls import absolute_url
from candor.catalog.structured_data import book_data, cover_path, json_ld
from candor.ratings import VIEWS
from candor.reviews import store
from candor.reviews.display import trust_summary, weighed_reviews
from candor.reviews.models import HelpfulVote, Review

VIEW_LABELS = {
    "candor": "Candor's rating",
    "as_posted": "As posted",
    "verified": "Verified purchases only",
}


def books_with_people() -> QuerySet[Book]:
    return Book.objects.select_related("publisher", "series").prefetch_related(
        "contributions__person"
    )


def books(request: HttpRequest) -> HttpResponse:
    choices = browse.read_choices(request.GET)
    found = browse.browsed_books(books_with_people(), choices)
    page = Paginator(found, browse.BOOKS_PER_PAGE).get_page(request.GET.get("page"))
    years = browse.decades()
    if choices.year and choices.year not in years:
        years.insert(0, choices.year)
    context = {
        "choices": choices,
        "page": page,
        "sorts": [(key, label) for key, (label, _) in browse.SORTS.items()],
        "subjects": browse.subjects_in_use(),
        "years": years,
        "previous_query": choices.query(page=page.number - 1) if page.has_previous() else "",
        "next_query": choices.query(page=page.number + 1) if page.has_next() else "",
    }
    return render(request, "catalog/books.html", context)


def home(request: HttpRequest) -> HttpResponse:
    books = books_with_people()
    context = {
        "recent_books": books.order_by("-created_at", "-id")[:8],
        "top_books": books.filter(rating__isnull=False).order_by("-rating", "title")[:8],
    }
    return render(request, "catalog/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    books = search_books(query) if query else []
    context = {"query": query, "books": books, "most": search_results_limit}
    return render(request, "catalog/search.html", context)


def author(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    contributions = person.contributions.select_related("book__publisher", "book__series")
    return render(
        request, "catalog/author.html", {"person": person, "contributions": contributions}
    )


def series(request: HttpRequest, slug: str) -> HttpResponse:
    series_obj = get_object_or_404(Series, slug=slug)
    books = books_with_people().filter(series=series_obj).order_by("series_volume", "year", "title")
    return render(request, "catalog/series.html", {"series": series_obj, "books": books})


def star_bars(stars: dict[int, int]) -> list[tuple[int, int]]:
    return [(star, stars.get(star, 0)) for star in range(5, 0, -1)]


def review_page(
    request: HttpRequest, book: Book, listing: Listing, counted: int | None
) -> dict[str, object]:
    """The page of reviews listed under the rating (``counted`` of them in the view, as
    the view's rating counts them; None when the list holds more: a reader's earlier
    review of another edition of the work is listed, not counted)."""
    reviews = listing.reviews(book).select_related("user__profile", "book")
    paginator = Paginator(reviews, settings.REVIEWS_PER_PAGE)
    if not listing.stars and counted is not None:
        # The stored rating counts every listed review: that saves a COUNT(*) per page.
        paginator.count = counted  # type: ignore[misc]
    page = paginator.get_page(request.GET.get("page"))
    return {"sort": listing.sort, "star_filter": listing.stars, "page": page}


def book_detail(request: HttpRequest, slug: str) -> HttpResponse:
    book = get_object_or_404(books_with_people().prefetch_related("subjects"), slug=slug)
    listing = Listing.from_query(request.GET)
    view = listing.view
    editions = editions_of(book, listing.editions)
    shown = store.shown(book, view, edition=not editions.whole_work)
    # A work of several editions lists every visible review, and counts each reader once.
    counted = None if editions.several and editions.whole_work else shown.result.count
    context: dict[str, object] = {
        "book": book,
        "result": shown.result,
        "bars": star_bars(shown.result.stars),
        "view": view,
        "views": [(key, VIEW_LABELS[key]) for key in VIEWS],
        "chart": rating_chart(shown.history) if shown.history is not None else None,
        "all_count": book.rating_count if editions.whole_work else book.edition_rating_count,
        "editions": editions,
        "edition_scope": listing.editions,
        # Links keep "This edition"; "All editions", the default, needs no parameter.
        "edition_param": "&editions=this" if listing.editions == "this" else "",
        **review_page(request, book, listing, counted),
        "canonical_url": absolute_url(request, book.get_absolute_url()),
        "cover_url": absolute_url(request, cover) if (cover := cover_path(book)) else "",
    }
    # Search engines get Candor's rating of the work whichever view the reader looks at.
    whole = view == "candor" and editions.whole_work
    candor = shown.result if whole else store.shown(book).result
    context["json_ld"] = json_ld(
        book_data(
            book,
            candor,
            context["page"].object_list,  # type: ignore[attr-defined]
            lambda path: absolute_url(request, path),
        )
    )
    if request.user.is_authenticated:
        own = Review.objects.current().filter(book=book, user=request.user)  # not withdrawn
        context["own_review"] = own.first()
        context["voted_ids"] = set(
            HelpfulVote.objects.filter(
                voter=request.user, review__book__work_id=book.work_id
            ).values_list("review_id", flat=True)
        )
    return render(request, "catalog/book.html", context)


WEIGHED_PER_PAGE = 50


def book_cover(request: HttpRequest, slug: str) -> FileResponse:
    """The book's cover image, or 404 when it has none (pages show a placeholder)."""
    book = get_object_or_404(Book.objects.only("cover"), slug=slug)
    if not book.cover or not book.cover.storage.exists(book.cover.name):
        raise Http404("This book has no cover.")
    response = FileResponse(book.cover.open("rb"), content_type=content_type(book.cover.name))
    # The page asks for it with ?v=<file name>: a new cover is a new address.
    response["Cache-Control"] = "public, max-age=86400"
    return response


def rating_explanation(request: HttpRequest, slug: str) -> HttpResponse:
    book = get_object_or_404(Book, slug=slug)
    result = store.shown(book).result
    # The work's rating: every edition's reviews.
    reviews = (
        Review.objects.visible()
        .filter(book__work_id=book.work_id)
        .select_related("book")
        .order_by("-created_at", "-id")
    )
    page = Paginator(reviews, WEIGHED_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "book": book,
        "result": result,
        "trust": trust_summary(book, result),
        "as_posted": store.shown(book, "as_posted").result,
        "verified": store.shown(book, "verified").result,
        "prior": (book.rating_data or {}).get("prior", {}),
        "editions": editions_of(book, "all"),
        "page": page,
        "weighed": weighed_reviews(book, page.object_list),
    }
    return render(request, "catalog/rating_explanation.html", context)
