"""What the moderation desk shows: the queue of reviews waiting for a decision.

The queue is one list in two parts. First the reviews with an open report (a reader's,
or Candor's own when the author edits a review a moderator kept), oldest report first;
then the visible reviews nobody has decided on whose trust is below the down-weighted
line (`candor.reviews.trust_levels`), lowest trust first. A decision resolves a review's
reports and, for Keep and Discount, sets its trust, so it leaves the queue; Hide takes it
off the site and out of the queue. Reviews their authors deleted wait outside the queue
and come back with their reports if the author posts again.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from candor.reviews.models import AuditEntry, Report, Review
from candor.reviews.trust_levels import DOWNWEIGHTED_BELOW, reasons_list, trust_words

REPORTED = "reported"
LOW_TRUST = "low-trust"
SHOWS = {"all": "Everything waiting", REPORTED: "Reported", LOW_TRUST: "Low trust"}


def reported() -> "QuerySet[Review]":
    """Reviews with an open report (hidden ones too, not withdrawn ones), the one
    reported longest ago first."""
    open_reports = Report.objects.filter(resolved_at__isnull=True)
    first_report = open_reports.filter(review_id=OuterRef("pk")).order_by("created_at")
    return (
        Review.objects.filter(withdrawn_at=None, pk__in=open_reports.values("review_id"))
        .annotate(first_report=Subquery(first_report.values("created_at")[:1]))
        .order_by("first_report", "pk")
    )


def low_trust() -> "QuerySet[Review]":
    """Visible reviews below the down-weighted line that no moderator has decided on and
    nobody has reported (those are in the first part), lowest trust first. The query
    matches the `review_desk_queue` partial index, which holds exactly these rows."""
    open_reports = Report.objects.filter(resolved_at__isnull=True).values("review_id")
    return (
        Review.objects.visible()
        .filter(trust_override__isnull=True, trust__lt=DOWNWEIGHTED_BELOW)
        .exclude(pk__in=open_reports)
        .order_by("trust", "pk")
    )


class Queue:
    """The queue's parts as one list a Paginator can count and slice."""

    def __init__(self, show: str = "all") -> None:
        parts = {REPORTED: [reported()], LOW_TRUST: [low_trust()]}
        self.parts = parts.get(show, [reported(), low_trust()])

    @cached_property
    def sizes(self) -> list[int]:
        return [part.count() for part in self.parts]

    def count(self) -> int:
        return sum(self.sizes)

    def __getitem__(self, window: slice) -> list[Review]:
        start, stop = window.start or 0, window.stop
        rows: list[Review] = []
        for part, size in zip(self.parts, self.sizes, strict=True):
            end = size if stop is None else min(stop, size)
            if start < end:
                rows += part.select_related("user", "book")[start:end]
            start, stop = max(0, start - size), None if stop is None else stop - size
            if stop is not None and stop <= 0:
                break
        return rows


@dataclass(frozen=True)
class DeskItem:
    """One review as the desk shows it."""

    review: Review
    reports: list[Report]  # open ones, oldest first
    history: list[AuditEntry]  # what staff did about this reader's review of this book
    trust: str  # the trust that counts, in words
    computed: str  # the analysis's own trust in words when a moderator overrode it, else ""
    reasons: list[str]

    @property
    def decisions(self) -> list[str]:
        """The decisions offered: Hide, or Restore for a hidden review; Clear only when a
        moderator's decision is in force."""
        offered = ["keep", "discount", "restore" if self.review.hidden else "hide"]
        return offered + (["clear"] if self.review.trust_override is not None else [])


def desk_items(reviews: Sequence[Review]) -> list[DeskItem]:
    """The reviews of one page of the queue with their open reports and their history,
    read in two queries."""
    ids = [review.pk for review in reviews]
    reports: dict[int, list[Report]] = {pk: [] for pk in ids}
    open_reports = Report.objects.filter(review_id__in=ids, resolved_at__isnull=True)
    for report in open_reports.select_related("reporter").order_by("created_at", "pk"):
        reports[report.review_id].append(report)
    pairs = {(review.user_id, review.book_id): review.pk for review in reviews}
    history: dict[int, list[AuditEntry]] = {pk: [] for pk in ids}
    entries = AuditEntry.objects.filter(
        Q(review_id__in=ids)
        | Q(reader_id__in={user for user, _ in pairs}, book_id__in={book for _, book in pairs})
    )
    for entry in entries.order_by("-created_at", "-pk"):
        owner = entry.review_id if entry.review_id in history else None
        owner = owner or pairs.get((entry.reader_id, entry.book_id))  # type: ignore[arg-type]
        if owner is not None:
            history[owner].append(entry)
    return [
        DeskItem(
            review=review,
            reports=reports[review.pk],
            history=history[review.pk],
            trust=trust_words(review.effective_trust),
            computed="" if review.trust_override is None else trust_words(review.trust),
            reasons=reasons_list(review.trust_reasons),
        )
        for review in reviews
    ]


def counts() -> dict[str, int]:
    """How many reviews wait in each part of the queue (the desk's tabs)."""
    waiting = {REPORTED: reported().count(), LOW_TRUST: low_trust().count()}
    return {"all": waiting[REPORTED] + waiting[LOW_TRUST], **waiting}


def log_entries() -> "QuerySet[AuditEntry]":
    """The audit log, newest first, each entry with how many reports it resolved."""
    return AuditEntry.objects.annotate(reports_resolved=Count("resolved_reports")).order_by(
        "-created_at", "-pk"
    )
