"""Everything that changes reviews, votes, reports and orders goes through here.

Views, the admin, importers and commands call these functions explicitly; models
have no side effects in save() and there are no signals. Each change to what a
review counts for runs inside `rating.track`, which updates the book's stored
rating state by an exact delta and stores the new rating on the book: the page
shows the new number in the same request.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews.models import HelpfulVote, Order, Report, Review
from candor.reviews.rating import track


class ReviewError(Exception):
    """A request the rules refuse; the message is shown to the user."""


@dataclass(frozen=True)
class ReviewDraft:
    rating: int
    title: str
    text: str


def bought_before(user: AbstractBaseUser, book: Book, moment: date) -> bool:
    return Order.objects.filter(user=user, book=book, ordered_at__lte=moment).exists()


@transaction.atomic
def refresh_verification(user: AbstractBaseUser, book: Book) -> None:
    review = Review.objects.select_for_update().filter(user=user, book=book).first()
    if review is None:
        return
    verified = bought_before(user, book, timezone.localdate(review.created_at))
    if verified != review.verified_purchase:
        with track(book, review.pk):
            Review.objects.filter(pk=review.pk).update(verified_purchase=verified)


@transaction.atomic
def submit_review(
    user: AbstractBaseUser, book: Book, draft: ReviewDraft, created_at: datetime | None = None
) -> Review:
    """Post a review, or edit the user's existing review of this book.

    ``created_at`` dates a new review (importers); an edit keeps the original date.
    """
    # Locking the book serialises concurrent first reviews by the same user.
    list(Book.objects.select_for_update().filter(pk=book.pk).values_list("pk"))
    review = Review.objects.filter(user=user, book=book).first()
    if review is None:
        review = Review(user=user, book=book, created_at=created_at or timezone.now())
    review.rating, review.title, review.text = draft.rating, draft.title, draft.text
    review.verified_purchase = bought_before(user, book, timezone.localdate(review.created_at))
    review.full_clean(exclude=["user", "book"])
    with track(book, review.pk) as tracked:
        review.save()
        tracked[0] = review.pk
    return review


@transaction.atomic
def hide_review(review: Review, by: AbstractBaseUser, reason: str = "") -> None:
    with track(review.book, review.pk):
        Review.objects.filter(pk=review.pk).update(
            hidden=True, hidden_at=timezone.now(), hidden_by=by, hidden_reason=reason[:300]
        )
    Report.objects.filter(review=review, resolved_at=None).update(
        resolved_at=timezone.now(), resolved_by=by
    )


@transaction.atomic
def restore_review(review: Review, by: AbstractBaseUser) -> None:
    with track(review.book, review.pk):
        Review.objects.filter(pk=review.pk).update(
            hidden=False, hidden_at=None, hidden_by=None, hidden_reason=""
        )


def vote_helpful(user: AbstractBaseUser, review: Review) -> bool:
    """Record that user found review helpful; False when already voted."""
    if review.user_id == user.pk:
        raise ReviewError("You cannot vote on your own review.")
    if review.hidden:
        raise ReviewError("This review is no longer shown.")
    try:
        with transaction.atomic(), track(review.book, review.pk):
            HelpfulVote.objects.create(review=review, voter=user, review_author_id=review.user_id)
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        return False
    return True


def report_review(user: AbstractBaseUser, review: Review, reason: str, note: str = "") -> bool:
    """Queue review for moderators; False when this user already reported it."""
    if review.user_id == user.pk:
        raise ReviewError("You cannot report your own review.")
    try:
        with transaction.atomic():
            Report.objects.create(review=review, reporter=user, reason=reason, note=note)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def record_order(user: AbstractBaseUser, book: Book, ordered_at: date, source: str) -> Order:
    order, _ = Order.objects.get_or_create(
        user=user, book=book, ordered_at=ordered_at, source=source
    )
    refresh_verification(user, book)
    return order


@dataclass(frozen=True)
class TrustReason:
    code: str  # e.g. "burst", "near_duplicate"
    text: str  # the plain sentence shown to people

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


@transaction.atomic
def record_trust(review: Review, trust: float, reasons: list[TrustReason]) -> None:
    """Store what trust analysis found (live on posting, or from a batch run)."""
    if not 0.0 <= trust <= 1.0:
        raise ValueError(f"trust: must be between 0 and 1, got {trust!r}")
    with track(review.book, review.pk):
        Review.objects.filter(pk=review.pk).update(
            trust=trust,
            trust_reasons=[reason.to_dict() for reason in reasons],
            trust_scored_at=timezone.now(),
        )


@transaction.atomic
def override_trust(
    review: Review, by: AbstractBaseUser, trust: float | None, note: str = ""
) -> None:
    """A moderator's decision: count the review with ``trust``; None clears it."""
    if trust is not None and not 0.0 <= trust <= 1.0:
        raise ValueError(f"trust: must be between 0 and 1, got {trust!r}")
    with track(review.book, review.pk):
        Review.objects.filter(pk=review.pk).update(
            trust_override=trust,
            trust_override_by=by if trust is not None else None,
            trust_override_at=timezone.now() if trust is not None else None,
            trust_override_note=note[:300] if trust is not None else "",
        )


@transaction.atomic
def delete_review(review: Review) -> None:
    """The author withdraws a review: it leaves the page, the rating and the database."""
    with track(review.book, review.pk):
        Review.objects.filter(pk=review.pk).delete()
