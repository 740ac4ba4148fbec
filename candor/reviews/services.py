"""Everything that changes reviews, votes, reports and orders goes through here.

Views, the admin, the API, importers and commands call these functions explicitly;
models have no side effects in save() and there are no signals. Each change to what a
review counts for runs inside `store.changing(books)`, which locks the books, and
stores their new ratings, recomputed from their reviews, before the change commits:
the page shows the new number in the same request.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from candor.catalog.models import Book
from candor.ratings.config import STARS
from candor.reviews import store
from candor.reviews.models import READER_REASONS, HelpfulVote, Order, Report, Review, TextBand

if TYPE_CHECKING:
    from candor.trust.live import BookActivity, Finding

# A moderator's decision at or above this counts the review ("Keep"); an edit of the
# stars or the text clears it. One below it discounts the review, and stays.
KEPT_FROM = 0.5
# Texts by other accounts checked exactly for a copy, those sharing most bands first.
COPY_CANDIDATES = 50
CHUNK = 2000  # rows per query or transaction in the batch helpers


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


@dataclass(frozen=True)
class Live:
    """What is worked out before the book is locked: the text's trust and reasons
    (`live_trust`), whether the text copies another account's (`copy_check`), and the
    text's LSH bands, stored with it for later posts' copy checks."""

    trust: float
    reasons: list["TrustReason"]
    copy: "Finding"
    bands: list[int] | None


def submit_review(
    user: AbstractBaseUser, book: Book, draft: ReviewDraft, created_at: datetime | None = None
) -> Review:
    """Post a review, or edit the user's existing review of this book, or bring back the
    one they deleted (withdrew): it comes back with its date, moderation, reports and
    trust (`save_review`).

    ``created_at`` dates a new review (importers, tests); an edit keeps the original date.
    The review's live trust is stored with it, so the rating shown at once reflects it:
    its text's (`live_trust`) times what the site knows at once (`live_findings`: the
    account's age, a burst of reviews on the book, a copy of another account's text).
    The next `candor trust` run replaces it with every signal's.
    """
    live = live_checks(user, book, draft)
    with store.changing([book]):
        # The book is locked: concurrent first reviews by the same user wait here.
        return save_review(user, book, draft, created_at, live)


class AlreadyReviewed(ReviewError):
    """The user has a review of the book already (not withdrawn): edit that one."""

    def __init__(self, review_id: int) -> None:
        super().__init__(f"You already reviewed this book: edit review {review_id} instead.")
        self.review_id = review_id


def post_new_review(user: AbstractBaseUser, book: Book, draft: ReviewDraft) -> Review:
    """Post a first review of the book, or bring back the one the user withdrew; raise
    AlreadyReviewed when they have a current review of it. Checked with the book locked:
    of the same post sent several times at once, one is saved and the others refused
    (none silently edits the review the first one made)."""
    live = live_checks(user, book, draft)
    with store.changing([book]):
        existing = Review.objects.current().filter(user=user, book=book)
        found = existing.values_list("pk", flat=True).first()
        if found is not None:
            raise AlreadyReviewed(found)
        return save_review(user, book, draft, None, live)


def live_checks(user: AbstractBaseUser, book: Book, draft: ReviewDraft) -> "Live":
    """What a post needs before the book is locked. The text model and the copy check
    run before the transaction and the lock (on SQLite, the database's write lock),
    which are held as briefly as possible."""
    text_trust, text_reasons = live_trust(draft)
    copy, bands = copy_check(user, book, draft)
    return Live(text_trust, text_reasons, copy, bands)


def save_review(
    user: AbstractBaseUser,
    book: Book,
    draft: ReviewDraft,
    created_at: datetime | None,
    live: Live,
) -> Review:
    """Save a post, an edit or a re-post (the book locked by the caller).

    A re-post on a book whose review the user withdrew brings that row back: its
    original date, hidden state, moderator's decision, reports and trust. Trust is scored
    again when the stars or the text change (or the review comes back), and then an edit
    cannot shed what a batch run found (`apply_live_trust`). An edit of the stars or the
    text of a review a moderator kept clears that decision and reports the review to
    the moderators again (`requeue_edited`).
    """
    review = Review.objects.filter(user=user, book=book).first()
    new = review is None
    if review is None:
        review = Review(user=user, book=book, created_at=created_at or timezone.now())
    revived = review.withdrawn_at is not None
    edited = set() if new else changes(review, draft)
    review.rating, review.title, review.text = draft.rating, draft.title, draft.text
    review.withdrawn_at = None
    review.verified_purchase = bought_before(user, book, timezone.localdate(review.created_at))
    if draft.rating not in STARS:
        raise ValidationError({"rating": "A rating is a whole number of stars from 1 to 5."})
    if new or edited or revived:
        from candor.trust.live import combined

        findings = live_findings(user, review, live.copy)
        reasons = live.reasons + [
            TrustReason(code, text, factor=finding.factor, live=True)
            for finding in findings
            for code, text in finding.reasons
        ]
        apply_live_trust(review, combined(live.trust, findings), reasons)
    decision = None
    if edited and review.trust_override is not None and review.trust_override >= KEPT_FROM:
        decision = (review.trust_override_by_id, review.trust_override_at)
        review.trust_override, review.trust_override_by, review.trust_override_at = None, None, None
        review.trust_override_note = ""
    banded = text_hash_of(draft)
    stale_bands = review.text_hash != banded
    review.text_hash = banded
    # Field checks in Python; the table's check constraints (the rating range, checked
    # above, text lengths, trust in [0, 1]) are left to the database, since Django would
    # check each with a query of its own, which made up half of a post's queries.
    review.full_clean(exclude=["user", "book"], validate_constraints=False)
    review.save()
    if stale_bands:
        write_bands(review.pk, live.bands, replace=not new)
    if decision is not None:
        requeue_edited(review, sorted(edited), *decision)
    return review


def changes(review: Review, draft: ReviewDraft) -> set[str]:
    """What a submit changes in what the review says: "stars", "text" (the title or the
    text, whitespace aside). Empty for a submit that changes nothing or only spacing."""

    def words(value: str) -> str:
        return " ".join(value.split())

    found: set[str] = set()
    if review.rating != draft.rating:
        found.add("stars")
    if (words(review.title), words(review.text)) != (words(draft.title), words(draft.text)):
        found.add("text")
    return found


def requeue_edited(
    review: Review, what: list[str], decided_by: int | None, decided_at: datetime | None
) -> None:
    """Put a review a moderator kept, and its author then changed, back in the moderation
    queue: an open report from Candor itself (no reporter), shown with the review's other
    reports in the admin. One open such report at a time."""
    queued = Report.objects.filter(
        review=review, reporter=None, reason=Report.Reason.EDITED, resolved_at=None
    )
    if queued.exists():
        return
    moderator = User.objects.filter(pk=decided_by).values_list("username", flat=True).first()
    when = f" on {timezone.localdate(decided_at):%Y-%m-%d}" if decided_at else ""
    Report.objects.create(
        review=review,
        reporter=None,
        reason=Report.Reason.EDITED,
        note=(
            f"The author changed the {' and the '.join(what)} after "
            f"{moderator or 'a moderator'} kept this review{when}. That decision was "
            "cleared: the computed trust counts until staff decide again."
        ),
    )


def text_hash_of(draft: ReviewDraft) -> int:
    from candor.trust.live import text_hash
    from candor.trust.score import review_text

    return text_hash(review_text(draft.title, draft.text))


def write_bands(review_id: int, bands: list[int] | None, replace: bool = True) -> None:
    """Store a review's text bands (None: a text too short to compare), replacing its
    old ones."""
    if replace:
        TextBand.objects.filter(review_id=review_id).delete()
    if bands:
        TextBand.objects.bulk_create([TextBand(review_id=review_id, key=key) for key in bands])


def copy_check(
    user: AbstractBaseUser, book: Book, draft: ReviewDraft
) -> "tuple[Finding, list[int] | None]":
    """Whether the draft's text copies a text by another account on the site (any book,
    hidden and withdrawn reviews included: a text is not new because its first copy was
    taken down), and the draft's text bands. Reviews sharing a band are checked exactly
    (`candor.trust.live.similarity`); the earliest that passes is the one copied, unless
    it is the reader's own (then the others copied them)."""
    from candor.trust import live
    from candor.trust.score import review_text

    text = review_text(draft.title, draft.text)
    [bands] = live.text_bands([text])
    if bands is None:
        return live.Finding(), None
    shared = (
        TextBand.objects.filter(key__in=bands)
        .values("review_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "review_id")[:COPY_CANDIDATES]
    )
    candidates = [row["review_id"] for row in shared]
    rows = Review.objects.filter(pk__in=candidates).order_by("created_at", "pk")
    for user_id, book_id, title, body in rows.values_list("user_id", "book_id", "title", "text"):
        found = live.similarity(text, review_text(title, body))
        if found < live.COPY_THRESHOLD:
            continue
        if user_id == user.pk:
            break  # the reader's own text came first
        return live.copied(found, book_id == book.pk), bands
    return live.Finding(), bands


def live_findings(user: AbstractBaseUser, review: Review, copy: "Finding") -> "list[Finding]":
    """What the site knows of a review at once besides its text (`candor.trust.live`):
    the copy check's finding, a burst of reviews on the book around the review's date
    (`book_activity`), and the account's age now (1 for a review dated before the account
    was opened: an import). Read with the book locked."""
    from candor.trust import live

    joined: datetime | None = getattr(user, "date_joined", None)
    age = None
    if joined is not None:
        age = -1.0 if review.created_at < joined else (timezone.now() - joined).total_seconds()
    shares = store.current_prior().prior.alpha
    burst = live.burst(book_activity(review), review.rating, shares)
    return [copy, burst, live.account_age(age)]


def book_activity(review: Review) -> "BookActivity":
    """The visible reviews of the book's work (all its editions) around ``review`` (not
    yet saved, or being edited), per star: in the week up to its date, this one
    included, and in the months before."""
    from candor.trust import live

    posted = review.created_at
    window_start = posted - timedelta(days=live.WINDOW_DAYS)
    history_start = window_start - timedelta(days=live.CONTEXT_DAYS)
    # The work is the rated item: a burst spread over its editions is one burst.
    editions = list(Book.objects.filter(work_id=review.book.work_id).values_list("pk", flat=True))
    others = Review.objects.visible().filter(book_id__in=editions).order_by()
    if review.pk is not None:
        others = others.exclude(pk=review.pk)
    counts = (
        others.filter(created_at__gt=history_start, created_at__lte=posted)
        .values("rating")
        .annotate(
            window=Count("pk", filter=Q(created_at__gt=window_start)),
            history=Count("pk", filter=Q(created_at__lte=window_start)),
        )
    )
    window, history = [0] * 5, [0] * 5
    for row in counts:
        window[row["rating"] - 1] += row["window"]
        history[row["rating"] - 1] += row["history"]
    window[review.rating - 1] += 1
    first = others.order_by("created_at").values_list("created_at", flat=True).first()
    days = 0.0
    if first is not None and first <= window_start:
        days = (window_start - max(first, history_start)) / timedelta(days=1)
    return live.BookActivity(window, history, days)


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
    """Record that user found review helpful; False when already voted.

    The vote is stored whoever casts it; it counts in the review's helpful count only
    by the rule of `recount_helpful` (an account at least a week old when it voted,
    whose own reviews are not distrusted), decided now and again at each recount."""
    if review.user_id == user.pk:
        raise ReviewError("You cannot vote on your own review.")
    if review.hidden or review.withdrawn_at is not None:
        raise ReviewError("This review is no longer shown.")
    now = timezone.now()
    counted = bool(votes_count([(user.pk, now, getattr(user, "date_joined", None))])[0])
    try:
        # No rating changes: votes sort reviews, they do not weigh them.
        with transaction.atomic():
            HelpfulVote.objects.create(
                review=review,
                voter=user,
                review_author_id=review.user_id,
                created_at=now,
                counted=counted,
            )
            if counted:
                Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        return False
    return True


def votes_count(
    votes: "Iterable[tuple[int, datetime, datetime | None]]", leaving: Collection[int] = ()
) -> list[bool]:
    """The one rule of which helpful votes count, for votes given as (voter id, when it
    was cast, when the voter's account was opened): `candor.trust.live.vote_counts` of
    the account's age when it voted and whether the voter is distrusted now
    (`distrusted_voters`). Voters in ``leaving`` (accounts being deleted) count for
    nothing."""
    from candor.trust import live

    votes = list(votes)
    if not votes:
        return []
    distrusted = distrusted_voters({voter for voter, _, _ in votes}) | set(leaving)
    ages = [
        float("nan") if joined is None else (cast - joined).total_seconds()
        for _, cast, joined in votes
    ]
    counted = live.vote_counts(ages, [voter in distrusted for voter, _, _ in votes])
    return [bool(value) for value in counted]


def distrusted_voters(voter_ids: Collection[int]) -> set[int]:
    """The voters with a review (any: hidden and withdrawn ones too) whose trust that
    counts is below `candor.trust.live.DISTRUSTED_BELOW`, its account-age factor aside
    (`candor.trust.live.distrusted`)."""
    from candor.trust import live

    low = live.DISTRUSTED_BELOW
    found: set[int] = set()
    ids = sorted(voter_ids)
    for start in range(0, len(ids), CHUNK):
        rows = (
            Review.objects.filter(user_id__in=ids[start : start + CHUNK])
            .filter(Q(trust_override__lt=low) | Q(trust_override__isnull=True, trust__lt=low))
            .values_list("user_id", "trust", "trust_override", "trust_reasons")
        )
        for user_id, trust, override, reasons in rows:
            if live.distrusted(trust, override, reasons or []):
                found.add(user_id)
    return found


def report_review(user: AbstractBaseUser, review: Review, reason: str, note: str = "") -> bool:
    """Queue review for moderators; False when this user already reported it."""
    if review.user_id == user.pk:
        raise ReviewError("You cannot report your own review.")
    if reason not in READER_REASONS:
        raise ReviewError("Choose one of the reasons offered.")
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
    factor: float | None = None  # a live finding's factor (`candor.trust.live`)
    live: bool = False  # found when posted or edited: the next edit works it out again

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"code": self.code, "text": self.text}
        if self.live:
            found["live"] = True
        if self.factor is not None:
            found["factor"] = round(self.factor, 6)
        return found


def live_trust(draft: ReviewDraft) -> tuple[float, list[TrustReason]]:
    """Trust from a review's own text (`candor.trust.score.LIVE_SIGNALS`), the part of its
    live trust that needs nothing else; `submit_review` multiplies it by what the site
    knows at once (`live_findings`). The signals that need the rest of the catalogue
    (behaviour, lockstep, clusters of near-duplicates, bursts judged with the months
    after them) come with `candor trust`. The text model is loaded once per process."""
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
    """Set a posted, edited or re-posted review's live trust (saved by the caller).

    An edit cannot shed what a batch run found: the batch's reasons (those not from the
    text nor live) are kept, and once a batch run has scored the review (or left such
    reasons), the trust can only go down until the next `candor trust` run. The live
    reasons and the text's are worked out again each time.
    """
    from candor.trust.combine import REASON_ORDER
    from candor.trust.score import TEXT_CODES, TRUNCATED

    kept = [
        r
        for r in review.trust_reasons or []
        if r.get("code") not in TEXT_CODES and not r.get("live")
    ]
    if review.pk is not None and (kept or review.trust_batch_at is not None):
        trust = min(review.trust, trust)
    rank = {code: index for index, code in enumerate(REASON_ORDER)}
    found = {r.get("code") for r in kept}
    # A live finding the batch already made (its reason kept) is said once.
    merged = kept + [r.to_dict() for r in reasons if not (r.live and r.code in found)]
    # Most serious first, notes (text_truncated) last.
    merged.sort(key=lambda r: rank.get(r.get("code", ""), len(rank) + (r.get("code") == TRUNCATED)))
    review.trust = trust
    review.trust_reasons = merged
    review.trust_scored_at = timezone.now()


@transaction.atomic
def record_trust(review: Review, trust: float, reasons: list[TrustReason]) -> None:
    """Store what a trust analysis of the whole catalogue found for one review (as a
    batch run does): until the next one, an edit cannot raise it."""
    if not 0.0 <= trust <= 1.0:
        raise ValueError(f"trust: must be between 0 and 1, got {trust!r}")
    now = timezone.now()
    with store.changing([review.book_id]):
        Review.objects.filter(pk=review.pk).update(
            trust=trust,
            trust_reasons=[reason.to_dict() for reason in reasons],
            trust_scored_at=now,
            trust_batch_at=now,
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
            "pk", "updated_at", "trust", "trust_override", "hidden", "withdrawn_at"
        )
    }
    now = timezone.now()
    changed = []
    rerate = False
    for update in updates:
        if update.review_id not in current:  # deleted meanwhile
            result.skipped += 1
            continue
        updated_at, trust, override, hidden, withdrawn = current[update.review_id]
        if updated_at != update.seen_updated_at:
            result.skipped += 1
            continue
        changed.append(
            Review(
                pk=update.review_id,
                trust=update.trust,
                trust_reasons=[reason.to_dict() for reason in update.reasons],
                trust_scored_at=now,
                trust_batch_at=now,
            )
        )
        counts = override is None and not hidden and withdrawn is None
        rerate = rerate or (counts and trust != update.trust)
    Review.objects.bulk_update(
        changed, ["trust", "trust_reasons", "trust_scored_at", "trust_batch_at"], batch_size=500
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
    """The author deletes their review (the site, the API): it is withdrawn
    (`withdraw_review`), not removed."""
    withdraw_review(review)


def withdraw_review(review: Review) -> None:
    """The author takes their review down: it leaves pages, lists, the API and the rating
    at once, but the row stays, with its date, moderation (hidden state, a moderator's
    decision, reports), votes and trust. Posting again on the book brings it back as it
    was (`save_review`), so deleting and posting again cannot shed any of that or reset
    its date. Staff deletes and deleted accounts remove rows for real."""
    with store.changing([review.book_id]):
        Review.objects.filter(pk=review.pk, withdrawn_at=None).update(withdrawn_at=timezone.now())


def delete_reviews(reviews: "QuerySet[Review]") -> int:
    """Delete reviews for real (staff, in the admin) and store their books' new ratings."""
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
        recount_helpful(voted, leaving=set(ids))  # their votes stop counting, then go
        User.objects.filter(pk__in=ids).delete()
    return deleted


def delete_user_keeping_reviews(user: AbstractBaseUser, heir: AbstractBaseUser) -> int:
    """Delete an account but keep its reviews, under ``heir``: a new account with no name
    (`candor.accounts.services.close_account` makes it). The reviews it has not deleted,
    hidden ones too, move to the heir with their dates, moderation, votes received and
    trust, and so do the orders of those books, which verify them. Everything else goes
    with the account: the reviews it had deleted (withdrawn), its helpful votes (they stop
    counting), its reports and its other orders. Returns how many reviews were kept."""
    kept = Review.objects.filter(user=user, withdrawn_at=None)
    kept_books = set(kept.values_list("book_id", flat=True))
    reviewed = set(Review.objects.filter(user=user).values_list("book_id", flat=True))
    voted = set(HelpfulVote.objects.filter(voter=user).values_list("review_id", flat=True))
    voted_books = set(Review.objects.filter(pk__in=voted).values_list("book_id", flat=True))
    with store.changing(reviewed | voted_books):
        # A vote names the review's author so the database can refuse one's own votes.
        HelpfulVote.objects.filter(review__in=kept).update(review_author=heir)
        moved = kept.update(user=heir)
        Order.objects.filter(user=user, book_id__in=kept_books).update(user=heir)
        recount_helpful(voted, leaving={user.pk})
        User.objects.filter(pk=user.pk).delete()
    return moved


def recount_helpful(review_ids: Iterable[int], leaving: Collection[int] = ()) -> int:
    """The one definition of a review's helpful count: the votes that count by
    `votes_count` (whose flag, HelpfulVote.counted, says whether they are in it), plus
    what an imported file said. Each vote on these reviews is judged again (voters'
    trust changes with each `candor trust` run); a review's count moves by the change in
    its counted votes, so a count an import carried stays. Votes of ``leaving`` voters
    stop counting. Returns how many votes changed."""
    ids = sorted(set(review_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        with transaction.atomic():
            current = dict(
                Review.objects.select_for_update()
                .filter(pk__in=part)
                .order_by("pk")
                .values_list("pk", "helpful_count")
            )
            votes = list(
                HelpfulVote.objects.filter(review_id__in=part).values_list(
                    "pk", "review_id", "counted", "voter_id", "created_at", "voter__date_joined"
                )
            )
            now = votes_count([(v[3], v[4], v[5]) for v in votes], leaving)
            delta: dict[int, int] = {}
            flips: dict[bool, list[int]] = {True: [], False: []}
            for (pk, review_id, was, *_), counts in zip(votes, now, strict=True):
                if counts != was:
                    flips[counts].append(pk)
                    delta[review_id] = delta.get(review_id, 0) + (1 if counts else -1)
            for counts, pks in flips.items():
                for first in range(0, len(pks), CHUNK):
                    HelpfulVote.objects.filter(pk__in=pks[first : first + CHUNK]).update(
                        counted=counts
                    )
            Review.objects.bulk_update(
                [
                    Review(pk=pk, helpful_count=max(0, current[pk] + moved))
                    for pk, moved in delta.items()
                    if moved and pk in current
                ],
                ["helpful_count"],
                batch_size=500,
            )
            changed += len(flips[True]) + len(flips[False])
    return changed


def recount_all_helpful() -> int:
    """`recount_helpful` over every review with votes (`candor trust`)."""
    ids = HelpfulVote.objects.order_by().values_list("review_id", flat=True).distinct()
    return recount_helpful(list(ids))


def refresh_text_bands() -> int:
    """Write the text bands of every review whose text has none or changed since they
    were written (texts loaded by importers, or from before this check existed), so that
    later posts' copy checks see them; how many reviews got new bands."""
    from candor.trust.live import text_bands, text_hash
    from candor.trust.score import review_text

    refreshed, last = 0, 0
    while True:
        rows = list(
            Review.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "title", "text", "text_hash")[:CHUNK]
        )
        if not rows:
            return refreshed
        last = rows[-1][0]
        stale = []
        for pk, title, text, stored in rows:
            full = review_text(title, text)
            hashed = text_hash(full)
            if hashed != stored:
                stale.append((pk, full, hashed))
        if not stale:
            continue
        bands = text_bands([text for _, text, _ in stale])
        banded = {pk for pk, _, _, stored in rows if stored is not None}
        table = connection.ops.quote_name(Review._meta.db_table)
        with transaction.atomic():
            TextBand.objects.filter(
                review_id__in=[pk for pk, _, _ in stale if pk in banded]
            ).delete()
            TextBand.objects.bulk_create(
                [
                    TextBand(review_id=pk, key=key)
                    for (pk, _, _), keys in zip(stale, bands, strict=True)
                    for key in keys or []
                ],
                batch_size=5_000,
            )
            # One plain statement per row: bulk_update's CASE over a chunk costs more
            # than the bands. updated_at stays: the text did not change.
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET text_hash = %s WHERE id = %s",
                    [(hashed, pk) for pk, _, hashed in stale],
                )
        refreshed += len(stale)
