"""Everything that changes reviews, votes, reports and orders goes through here.

Views, the admin, the API, importers and commands call these functions explicitly;
models have no side effects in save() and there are no signals. Each change to what a
review counts for runs inside `store.changing(books)`, which locks the books, and
stores their new ratings, recomputed from their reviews, before the change commits:
the page shows the new number in the same request.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from candor.catalog.models import Book
from candor.ratings.config import STARS
from candor.reviews import store
from candor.reviews.models import HelpfulVote, Order, Report, Review


class ReviewError(Exception):
    """A request the rules refuse; the message is shown to the user."""


@dataclass(frozen=True)
class ReviewDraft:
    rating: int
    title: str
    text: str


def bought_before(user: AbstractBaseUser, book: Book, moment: date) -> bool:
    return Order.objects.filter(user=user, book=book, ordered_at__lte=moment).exists()


def refresh_verification(user: AbstractBaseUser, book: Book) -> None:
    """Mark the user's review of the book verified or not, from the orders there are."""
    if not needs_verification_change(user, book):
        return
    with store.changing([book]):  # the book locked, check again
        review = Review.objects.filter(user=user, book=book).first()
        if review is not None and needs_verification_change(user, book):
            verified = not review.verified_purchase
            Review.objects.filter(pk=review.pk).update(verified_purchase=verified)


def needs_verification_change(user: AbstractBaseUser, book: Book) -> bool:
    review = Review.objects.filter(user=user, book=book).first()
    if review is None:
        return False
    return bought_before(user, book, timezone.localdate(review.created_at)) != (
        review.verified_purchase
    )


def submit_review(
    user: AbstractBaseUser, book: Book, draft: ReviewDraft, created_at: datetime | None = None
) -> Review:
    """Post a review, or edit the user's existing review of this book.

    ``created_at`` dates a new review (importers); an edit keeps the original date.
    Trust from the review's own text (`live_trust`) is stored with it, so the rating
    shown at once reflects it; the next `candor trust` run adds the other signals.
    """
    # The text model runs before the transaction and the book's lock (on SQLite, the
    # database's write lock), which are held as briefly as possible.
    live = live_trust(draft)
    with store.changing([book]):
        # The book is locked: concurrent first reviews by the same user wait here.
        return save_review(user, book, draft, created_at, live)


def save_review(
    user: AbstractBaseUser,
    book: Book,
    draft: ReviewDraft,
    created_at: datetime | None,
    live: "tuple[float, list[TrustReason]]",
) -> Review:
    review = Review.objects.filter(user=user, book=book).first()
    if review is None:
        review = Review(user=user, book=book, created_at=created_at or timezone.now())
    text_changed = review.pk is None or (review.title, review.text) != (draft.title, draft.text)
    review.rating, review.title, review.text = draft.rating, draft.title, draft.text
    review.verified_purchase = bought_before(user, book, timezone.localdate(review.created_at))
    if text_changed:
        apply_live_trust(review, *live)
    if draft.rating not in STARS:
        raise ValidationError({"rating": "A rating is a whole number of stars from 1 to 5."})
    # Field checks in Python; the table's check constraints (the rating range, checked
    # above, text lengths, trust in [0, 1]) are left to the database, since Django would
    # check each with a query of its own, which made up half of a post's queries.
    review.full_clean(exclude=["user", "book"], validate_constraints=False)
    review.save()
    return review


@transaction.atomic
def hide_review(review: Review, by: AbstractBaseUser, reason: str = "") -> None:
    with store.changing([review.book_id]):
        Review.objects.filter(pk=review.pk).update(
            hidden=True, hidden_at=timezone.now(), hidden_by=by, hidden_reason=reason[:300]
        )
    Report.objects.filter(review=review, resolved_at=None).update(
        resolved_at=timezone.now(), resolved_by=by
    )


@transaction.atomic
def restore_review(review: Review, by: AbstractBaseUser) -> None:
    with store.changing([review.book_id]):
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
        with store.changing([review.book_id]):
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


def save_order(order: Order) -> Order:
    """Save a new or edited order (staff's form): the review it verified before an edit
    of its user, book or date, and the one it verifies now, are verified again."""
    before = Order.objects.filter(pk=order.pk).values_list("user_id", "book_id").first()
    with transaction.atomic():
        order.save()
        pairs = {(order.user_id, order.book_id)} | ({before} if before else set())
        for user_id, book_id in sorted(pairs):
            refresh_verification(User.objects.get(pk=user_id), Book.objects.get(pk=book_id))
    return order


@dataclass(frozen=True)
class TrustReason:
    code: str  # e.g. "burst", "near_duplicate"
    text: str  # the plain sentence shown to people

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


def live_trust(draft: ReviewDraft) -> tuple[float, list[TrustReason]]:
    """What can be known of a review the moment it is posted: trust from its own text
    (`candor.trust.score.LIVE_SIGNALS`). The signals that need the rest of the
    catalogue (behaviour, bursts, lockstep, near-duplicates) come with `candor trust`.
    The text model is loaded once per process."""
    # Imported on first use: scikit-learn and scipy are heavy for commands that never score.
    from candor.trust.score import LIVE_SIGNALS, analyse, review_text
    from candor.trust.table import Reviews

    single = Reviews.from_columns(
        ["new"], [0], [0], [draft.rating], [0], text=[review_text(draft.title, draft.text)]
    )
    result = analyse(single, LIVE_SIGNALS)
    reasons = [TrustReason(code, text) for code, text in result.reasons_and_notes(0)]
    return float(result.trust[0]), reasons


def apply_live_trust(review: Review, trust: float, reasons: list[TrustReason]) -> None:
    """Set a posted or edited review's trust from its text (saved by the caller).

    An edit cannot shed what a batch run found: reasons that do not come from the text
    are kept, and then the trust can only go down until the next `candor trust` run.
    """
    from candor.trust.combine import REASON_ORDER
    from candor.trust.score import TEXT_CODES, TRUNCATED

    kept = [r for r in review.trust_reasons or [] if r.get("code") not in TEXT_CODES]
    if review.pk is not None and kept:
        trust = min(review.trust, trust)
    rank = {code: index for index, code in enumerate(REASON_ORDER)}
    merged = kept + [reason.to_dict() for reason in reasons]
    # Most serious first, notes (text_truncated) last.
    merged.sort(key=lambda r: rank.get(r.get("code", ""), len(rank) + (r.get("code") == TRUNCATED)))
    review.trust = trust
    review.trust_reasons = merged
    review.trust_scored_at = timezone.now()


@transaction.atomic
def record_trust(review: Review, trust: float, reasons: list[TrustReason]) -> None:
    """Store what trust analysis found (live on posting, or from a batch run)."""
    if not 0.0 <= trust <= 1.0:
        raise ValueError(f"trust: must be between 0 and 1, got {trust!r}")
    with store.changing([review.book_id]):
        Review.objects.filter(pk=review.pk).update(
            trust=trust,
            trust_reasons=[reason.to_dict() for reason in reasons],
            trust_scored_at=timezone.now(),
        )


@dataclass(frozen=True)
class TrustUpdate:
    """A batch run's finding for one review, and when the review was last changed as the
    run read it (a review edited since keeps its live score until the next run)."""

    review_id: int
    trust: float
    reasons: list[TrustReason]
    seen_updated_at: datetime


@dataclass
class TrustBatchResult:
    recorded: int = 0
    skipped: int = 0  # edited or deleted since the run read them
    books: int = 0  # books where the trust that counts changed


def record_trust_batch(updates: list[TrustUpdate]) -> TrustBatchResult:
    """Store a batch run's trust and reasons (`candor trust`), one book at a time.

    Each book is locked while its reviews are written in bulk. Ratings are not
    recomputed here: the caller recomputes the catalogue prior and every rating once
    the run is recorded (`store.rebuild`), as `candor trust` does.
    """
    result = TrustBatchResult()
    wanted = {update.review_id: update for update in updates}
    books: dict[int, list[int]] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 5_000):
        rows = Review.objects.filter(pk__in=ids[start : start + 5_000]).values_list("pk", "book_id")
        for review_id, book_id in rows:
            books.setdefault(book_id, []).append(review_id)
    result.skipped = len(wanted) - sum(len(found) for found in books.values())
    for book_id, review_ids in sorted(books.items()):
        _record_book_trust(book_id, [wanted[pk] for pk in review_ids], result)
    return result


@transaction.atomic
def _record_book_trust(book_id: int, updates: list[TrustUpdate], result: TrustBatchResult) -> None:
    store.lock_books([book_id])
    current = {
        row[0]: row[1:]
        for row in Review.objects.filter(pk__in=[u.review_id for u in updates]).values_list(
            "pk", "updated_at", "trust", "trust_override", "hidden"
        )
    }
    now = timezone.now()
    changed = []
    rerate = False
    for update in updates:
        if update.review_id not in current:  # deleted meanwhile
            result.skipped += 1
            continue
        updated_at, trust, override, hidden = current[update.review_id]
        if updated_at != update.seen_updated_at:
            result.skipped += 1
            continue
        changed.append(
            Review(
                pk=update.review_id,
                trust=update.trust,
                trust_reasons=[reason.to_dict() for reason in update.reasons],
                trust_scored_at=now,
            )
        )
        rerate = rerate or (override is None and not hidden and trust != update.trust)
    Review.objects.bulk_update(
        changed, ["trust", "trust_reasons", "trust_scored_at"], batch_size=500
    )
    result.recorded += len(changed)
    if rerate:
        result.books += 1


@transaction.atomic
def override_trust(
    review: Review, by: AbstractBaseUser, trust: float | None, note: str = ""
) -> None:
    """A moderator's decision: count the review with ``trust``; None clears it."""
    if trust is not None and not 0.0 <= trust <= 1.0:
        raise ValueError(f"trust: must be between 0 and 1, got {trust!r}")
    with store.changing([review.book_id]):
        Review.objects.filter(pk=review.pk).update(
            trust_override=trust,
            trust_override_by=by if trust is not None else None,
            trust_override_at=timezone.now() if trust is not None else None,
            trust_override_note=note[:300] if trust is not None else "",
        )


def delete_review(review: Review) -> None:
    """The author withdraws a review: it leaves the page, the rating and the database."""
    delete_reviews(Review.objects.filter(pk=review.pk))


def delete_reviews(reviews: "QuerySet[Review]") -> int:
    """Delete reviews (staff, or their authors) and store their books' new ratings."""
    books = set(reviews.values_list("book_id", flat=True))
    with store.changing(books):
        deleted, _ = Review.objects.filter(
            pk__in=list(reviews.values_list("pk", flat=True))
        ).delete()
    return deleted


def delete_orders(orders: "QuerySet[Order]") -> int:
    """Delete orders; reviews they verified are verified again from the orders left."""
    pairs = set(orders.values_list("user_id", "book_id"))
    with transaction.atomic():
        deleted, _ = orders.delete()
        for user_id, book_id in sorted(pairs):
            refresh_verification(User.objects.get(pk=user_id), Book.objects.get(pk=book_id))
    return deleted


def delete_users(users: "QuerySet[User]") -> int:
    """Delete accounts with everything they wrote, voted or ordered: the books they
    reviewed and the reviews they voted on get their counts and ratings recomputed."""
    ids = list(users.values_list("pk", flat=True))
    reviewed = set(Review.objects.filter(user_id__in=ids).values_list("book_id", flat=True))
    voted = set(HelpfulVote.objects.filter(voter_id__in=ids).values_list("review_id", flat=True))
    voted_books = set(Review.objects.filter(pk__in=voted).values_list("book_id", flat=True))
    with store.changing(reviewed | voted_books):
        deleted = len(ids)
        User.objects.filter(pk__in=ids).delete()
        recount_helpful(voted)
    return deleted


def recount_helpful(review_ids: set[int]) -> None:
    """Set helpful_count to the number of votes each review has now."""
    counts = (
        HelpfulVote.objects.filter(review_id__in=review_ids)
        .values("review_id")
        .annotate(n=Count("pk"))
    )
    found = {row["review_id"]: row["n"] for row in counts}
    for review_id in review_ids:
        Review.objects.filter(pk=review_id).update(helpful_count=found.get(review_id, 0))
