"""Customer reviews: list a book's reviews by cursor; post, edit, delete, vote, report.

Writes go through candor.reviews.services, which update the book's rating in the
same transaction: the response to a write already reflects the new number. A deleted
review is withdrawn (`services.delete_review`): gone from every answer, and posting on
the book again brings it back with its date, moderation and trust.
"""

from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from candor.accounts.models import display_name
from candor.api import cursor
from candor.api.auth import token_user, write_token
from candor.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError
from candor.api.schemas import (
    ReportIn,
    ReportOut,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    ReviewPatch,
    Text,
    VoteOut,
)
from candor.catalog.models import Book
from candor.reviews.models import Report, Review
from candor.reviews.services import (
    AlreadyReviewed,
    ReviewDraft,
    ReviewError,
    delete_review,
    post_new_review,
    report_review,
    submit_review,
    vote_helpful,
)

router = Router(tags=["reviews"])
ReviewId = Path(..., ge=1, le=cursor.BIGINT_MAX)


class ReviewQuery(Schema):
    sort: Literal["helpful", "recent"] = "helpful"
    stars: int | None = Field(default=None, ge=1, le=5, description="Only reviews with this star")
    cursor: Text(2000) | None = None  # type: ignore[valid-type]
    limit: int = Field(default=10, ge=1, le=100)
    editions: Literal["this", "all"] = Field(
        default="this",
        description="this: the book's own reviews; all: every edition of its work's "
        "(what the work's rating covers)",
    )


def review_out(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "book": review.book.slug,
        "user": review.user.get_username(),
        "display_name": display_name(review.user),
        "rating": review.rating,
        "title": review.title,
        "text": review.text,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
        "verified_purchase": review.verified_purchase,
        "helpful_count": review.helpful_count,
    }


def visible_reviews() -> Any:
    return Review.objects.visible().select_related("book", "user__profile")


def own_review(request: HttpRequest, review_id: int) -> tuple[User, Review]:
    """The token user's review; 404 when not visible to them (a withdrawn review is
    visible to nobody), 403 when someone else's."""
    user = token_user(request)
    reviews = Review.objects.current().select_related("book", "user__profile")
    review = reviews.filter(pk=review_id).first()
    if review is None or (review.hidden and review.user_id != user.pk):
        raise ApiError(404, "No such review.")
    if review.user_id != user.pk:
        raise ApiError(403, "Only the author can change or delete a review.")
    return user, review


@router.get(
    "/books/{slug:slug}/reviews",
    response={200: ReviewPage, **READ_ERRORS},
    summary="A book's reviews, a page at a time",
)
def list_reviews(request: HttpRequest, slug: str, params: Query[ReviewQuery]) -> Any:
    """Sorted by most helpful or most recent, optionally one star; follow next_cursor."""
    book = get_object_or_404(Book, slug=slug)
    reviews = visible_reviews().order_by(*cursor.ordering(params.sort))
    if params.editions == "all":
        reviews = reviews.filter(book__work_id=book.work_id)
    else:
        reviews = reviews.filter(book=book)
    if params.stars is not None:
        reviews = reviews.filter(rating=params.stars)
    if params.cursor:
        key = cursor.decode(params.cursor, params.sort, params.stars)
        reviews = cursor.after(reviews, params.sort, key)
    page = list(reviews[: params.limit + 1])
    more = len(page) > params.limit
    page = page[: params.limit]
    next_cursor = cursor.encode(params.sort, params.stars, page[-1]) if more else None
    return {"items": [review_out(review) for review in page], "next_cursor": next_cursor}


@router.get(
    "/reviews/{review_id}",
    response={200: ReviewOut, **READ_ERRORS},
    summary="One review",
)
def get_review(request: HttpRequest, review_id: int = ReviewId) -> Any:
    return review_out(get_object_or_404(visible_reviews(), pk=review_id))


@router.post(
    "/books/{slug:slug}/reviews",
    auth=write_token,
    response={201: ReviewOut, **WRITE_ERRORS},
    summary="Post your review of a book",
)
def post_review(request: HttpRequest, slug: str, payload: ReviewIn) -> Any:
    """A review you deleted on this book comes back (its original date, moderation and
    trust kept) with what you send."""
    user = token_user(request)
    book = get_object_or_404(Book, slug=slug)
    draft = ReviewDraft(payload.rating, payload.title, payload.text)
    try:
        review = post_new_review(user, book, draft)
    except AlreadyReviewed as already:
        raise ApiError(409, str(already), fields={"review": str(already.review_id)}) from None
    return Status(201, review_out(visible_or_own(review)))


def visible_or_own(review: Review) -> Review:
    return Review.objects.select_related("book", "user__profile").get(pk=review.pk)


@router.patch(
    "/reviews/{review_id}",
    auth=write_token,
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Edit your review (only the fields sent change)",
)
def edit_review(request: HttpRequest, payload: ReviewPatch, review_id: int = ReviewId) -> Any:
    user, review = own_review(request, review_id)
    draft = ReviewDraft(
        rating=payload.rating if payload.rating is not None else review.rating,
        title=payload.title if payload.title is not None else review.title,
        text=payload.text if payload.text is not None else review.text,
    )
    return review_out(visible_or_own(submit_review(user, review.book, draft)))


@router.delete(
    "/reviews/{review_id}",
    auth=write_token,
    response={204: None, **WRITE_ERRORS},
    summary="Delete your review",
)
def remove_review(request: HttpRequest, review_id: int = ReviewId) -> Any:
    """The review leaves the book's page, lists, the API and the rating at once. Candor
    keeps it out of sight: posting on the book again brings it back with its original
    date and any moderator's decision."""
    _, review = own_review(request, review_id)
    delete_review(review)
    return Status(204, None)


@router.post(
    "/reviews/{review_id}/helpful",
    auth=write_token,
    response={201: VoteOut, **WRITE_ERRORS},
    summary="Mark a review as helpful (once per user, never your own)",
    description=(
        "The vote is recorded; it counts in helpful_count only from an account at least "
        "7 days old when it votes, whose own reviews the trust analysis does not distrust."
    ),
)
def helpful(request: HttpRequest, review_id: int = ReviewId) -> Any:
    user = token_user(request)
    review = get_object_or_404(visible_reviews(), pk=review_id)
    try:
        counted = vote_helpful(user, review)
    except ReviewError as error:
        raise ApiError(403, str(error)) from None
    if not counted:
        raise ApiError(409, "You already found this review helpful.")
    review.refresh_from_db(fields=["helpful_count"])
    return Status(201, {"review": review.pk, "helpful_count": review.helpful_count})


@router.post(
    "/reviews/{review_id}/reports",
    auth=write_token,
    response={201: ReportOut, **WRITE_ERRORS},
    summary="Report a review to the moderators (once per user)",
)
def report(request: HttpRequest, payload: ReportIn, review_id: int = ReviewId) -> Any:
    user = token_user(request)
    review = get_object_or_404(visible_reviews(), pk=review_id)
    try:
        queued = report_review(user, review, payload.reason, payload.note)
    except ReviewError as error:
        raise ApiError(403, str(error)) from None
    if not queued:
        raise ApiError(409, "You already reported this review.")
    saved = Report.objects.get(review=review, reporter=user)
    return Status(
        201, {"review": review.pk, "reason": saved.reason, "created_at": saved.created_at}
    )
