"""Staff's decisions and hand-entered orders, each written to the audit log.

The moderation desk and the admin call these; they in turn change reviews and orders
only through `candor.reviews.services` (which recompute the books' ratings), and add
what a moderator's decision needs besides: a note saying why, the reports it resolves,
and an `AuditEntry` of who did what when. A decision and its log entry commit together.
"""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews import services
from candor.reviews.limits import NOTE_MAX
from candor.reviews.models import AuditEntry, Order, Report, Review

Action = AuditEntry.Action

DECISIONS = (Action.KEEP, Action.DISCOUNT, Action.HIDE, Action.RESTORE, Action.CLEAR)
"""What a moderator can decide about a review; each needs a note."""

# The trust a "Keep" and a "Discount" give the review until staff decide otherwise: kept
# reviews count fully whatever the analysis finds, discounted ones not at all.
KEEP_TRUST = 1.0
DISCOUNT_TRUST = 0.0

NOTE_REQUIRED = "Write a note saying why: it goes into the audit log with the decision."


def clean_note(note: str) -> str:
    """The note with its outer spacing removed; refused when empty or too long."""
    cleaned = (note or "").strip()
    if not cleaned:
        raise ValidationError({"note": NOTE_REQUIRED})
    if len(cleaned) > NOTE_MAX:
        raise ValidationError(
            {"note": f"A note holds at most {NOTE_MAX} characters (this one has {len(cleaned)})."}
        )
    return cleaned


def describe(review: Review) -> str:
    """The review as the log names it, readable after the review is gone."""
    return f"{review.rating}★ review by {review.user.get_username()} of “{review.book.title}”"[:300]


def decide(review: Review, by: AbstractBaseUser, action: str, note: str) -> AuditEntry:
    """Record a moderator's decision on a review and carry it out.

    Keep counts the review fully and Discount not at all (until an edit of a kept
    review, or staff, clear it: `services.save_review`); Hide takes it off the site and
    out of the rating; Restore shows it again; Clear goes back to the computed trust.
    Every decision resolves the review's open reports with itself, so each report says
    what was decided and why. Raises ValidationError for an empty note or an unknown
    decision, before anything changes.
    """
    if action not in DECISIONS:
        raise ValidationError({"decision": f"{action!r} is not a decision a moderator can make."})
    cleaned = clean_note(note)
    with transaction.atomic():
        current = Review.objects.select_related("user", "book").get(pk=review.pk)
        entry = log(by, action, cleaned, review=current, trust_before=current.effective_trust)
        Report.objects.filter(review=current, resolved_at=None).update(
            resolved_at=entry.created_at, resolved_by=by, decision=entry
        )
        carry_out(current, by, action, cleaned)
    return entry


def carry_out(review: Review, by: AbstractBaseUser, action: str, note: str) -> None:
    if action == Action.KEEP:
        services.override_trust(review, by=by, trust=KEEP_TRUST, note=note)
    elif action == Action.DISCOUNT:
        services.override_trust(review, by=by, trust=DISCOUNT_TRUST, note=note)
    elif action == Action.HIDE:
        services.hide_review(review, by=by, reason=note)
    elif action == Action.RESTORE:
        services.restore_review(review, by=by)
    else:
        services.override_trust(review, by=by, trust=None)


def delete_reviews(reviews: "QuerySet[Review]", by: AbstractBaseUser, note: str) -> int:
    """Delete reviews for real (staff, in the admin), logging each one first: the log
    entries keep the reader, the book and what the review was after the row is gone."""
    with transaction.atomic():
        for review in reviews.select_related("user", "book"):
            log(by, Action.DELETE, note, review=review, trust_before=review.effective_trust)
        return services.delete_reviews(reviews)


def enter_order(
    by: AbstractBaseUser, buyer: User, book: Book, ordered_at: date, source: str, note: str = ""
) -> Order:
    """An order staff type in (the desk's form): recorded by `services.record_order`,
    which verifies the buyer's review of the book if it came after the order."""
    with transaction.atomic():
        order = services.record_order(buyer, book, ordered_at, source)
        log_order(by, Action.ORDER, order, note)
    return order


def save_order(by: AbstractBaseUser, order: Order, note: str) -> Order:
    """A new or edited order from the admin's form (`services.save_order`), logged."""
    with transaction.atomic():
        services.save_order(order)
        log_order(by, Action.ORDER, order, note)
    return order


def delete_orders(orders: "QuerySet[Order]", by: AbstractBaseUser, note: str) -> int:
    with transaction.atomic():
        for order in orders.select_related("user", "book"):
            log_order(by, Action.ORDER_DELETE, order, note)
        return services.delete_orders(orders)


def log_order(by: AbstractBaseUser, action: str, order: Order, note: str) -> AuditEntry:
    subject = (
        f"{order.user.get_username()} bought “{order.book.title}” on "
        f"{order.ordered_at:%Y-%m-%d} (source: {order.source})"
    )
    return log(by, action, note, reader=order.user, book=order.book, subject=subject)


def log(
    by: AbstractBaseUser,
    action: str,
    note: str,
    review: Review | None = None,
    trust_before: float | None = None,
    reader: AbstractBaseUser | None = None,
    book: Book | None = None,
    subject: str = "",
) -> AuditEntry:
    """Write one audit entry; a review gives its reader, book and subject."""
    if review is not None:
        reader, book, subject = review.user, review.book, describe(review)
    return AuditEntry.objects.create(
        action=action,
        moderator=by,
        moderator_name=by.get_username(),
        created_at=timezone.now(),
        note=note[:NOTE_MAX],
        review=review,
        reader=reader,
        book=book,
        subject=subject[:300],
        trust_before=trust_before,
    )
