from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from candor.catalog.listing import Listing, page_of
from candor.catalog.models import Book
from candor.reviews.forms import ReportForm, ReviewForm
from candor.reviews.models import Review
from candor.reviews.services import (
    ReviewDraft,
    ReviewError,
    bought_before,
    delete_review,
    report_review,
    submit_review,
    vote_helpful,
)


def preview_of(user: User, book: Book, draft: ReviewDraft, existing: Review | None) -> Review:
    """An unsaved review showing exactly what the page will show after submitting (a
    review the reader deleted comes back with its original date)."""
    created = existing.created_at if existing else timezone.now()
    return Review(
        book=book,
        user=user,
        rating=draft.rating,
        title=draft.title,
        text=draft.text,
        created_at=created,
        verified_purchase=bought_before(user, book, timezone.localdate(created)),
    )


@login_required
def write_review(request: HttpRequest, slug: str) -> HttpResponse:
    """Write, edit or delete one's review of a book. A review the reader deleted is not
    shown here; writing again brings it back (`services.save_review`)."""
    book = get_object_or_404(Book, slug=slug)
    row = Review.objects.filter(book=book, user=request.user).first()
    existing = row if row is not None and row.withdrawn_at is None else None
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("delete", "delete-confirmed"):
        return remove_review(request, book, existing, confirmed=action == "delete-confirmed")
    preview = None
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid() and action == "preview":
            preview = preview_of(request.user, book, form.draft(), row)
        elif form.is_valid():
            submit_review(request.user, book, form.draft())
            messages.success(
                request,
                "Your review was updated."
                if existing
                else "Your review is back."
                if row
                else "Thank you for your review.",
            )
            return redirect(book)
    else:
        initial = (
            {"rating": existing.rating, "title": existing.title, "text": existing.text}
            if existing
            else {}
        )
        form = ReviewForm(initial=initial)
    context = {
        "book": book,
        "form": form,
        "existing": existing,
        "withdrawn": row if existing is None else None,
        "preview_review": preview,
    }
    return render(request, "reviews/write.html", context)


def remove_review(
    request: HttpRequest, book: Book, review: Review | None, confirmed: bool
) -> HttpResponse:
    """Delete the reader's own review of the book, after a confirmation page: it is
    withdrawn (`services.delete_review`). Nobody can delete someone else's review here:
    without a review of their own, there is nothing to delete."""
    if review is None:
        raise Http404("You have no review of this book to delete.")
    if not confirmed:
        return render(request, "reviews/delete.html", {"book": book, "review": review})
    delete_review(review)
    messages.success(request, "Your review was deleted.")
    return redirect(book)


def back_to_review(request: HttpRequest, review: Review) -> str:
    """Where the reader acted on a review from (the ``next`` page on this site), at that
    review: on its book's page, the same view, sort and filter, on the page that lists the
    review now (a helpful vote can move it in "Most helpful"). Without a usable ``next``,
    the book's page at the review."""
    book_url = review.book.get_absolute_url()
    next_url = request.POST.get("next") or request.GET.get("next") or book_url
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = book_url
    parts = urlsplit(next_url)
    query = parts.query
    # The page of any edition of the review's work lists it (all editions' reviews).
    editions = Book.objects.filter(work_id=review.book.work_id).only("slug")
    page_book = next((b for b in editions if b.get_absolute_url() == parts.path), None)
    if page_book is not None:
        listing = Listing.from_query(QueryDict(parts.query))
        page = page_of(listing, review, settings.REVIEWS_PER_PAGE, page_book)
        if page is not None:
            query = listing.query_string(page)
    return urlunsplit(("", "", parts.path, query, f"review-{review.pk}"))


@require_POST
@login_required
def helpful(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.visible(), pk=review_id)
    try:
        counted = vote_helpful(request.user, review)
        messages.success(
            request,
            "Thank you for your feedback." if counted else "You already voted for this review.",
        )
    except ReviewError as error:
        messages.error(request, str(error))
    review.refresh_from_db()
    return redirect(back_to_review(request, review))


@login_required
def report(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.visible().select_related("book"), pk=review_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            queued = report_review(
                request.user, review, form.cleaned_data["reason"], form.cleaned_data["note"]
            )
            messages.success(
                request,
                "Thank you: moderators will look at this review."
                if queued
                else "You already reported this review.",
            )
        except ReviewError as error:
            messages.error(request, str(error))
        return redirect(back_to_review(request, review))
    context = {
        "review": review,
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "back": back_to_review(request, review),
    }
    return render(request, "reviews/report.html", context)
