"""What the "How are ratings calculated?" page says about a book's reviews.

Every number comes from the rating store (`candor.reviews.store`) and the engine: a
review's weight is `candor.ratings.review_weight` with the book's stored weighting.
Helpful votes are not among the reasons: they sort reviews, they do not weigh them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from candor.catalog.models import Book
from candor.ratings import DEFAULT_CONFIG, RatingResult, ReviewInput, review_weight
from candor.ratings.weights import SECONDS_PER_DAY, full_recency
from candor.reviews import store
from candor.reviews.models import Review
from candor.reviews.trust_levels import is_downweighted
from candor.trust.codes import TRUNCATED


@dataclass(frozen=True)
class WeighedReview:
    review: Review
    weight: float  # how many ratings it counts as
    why: list[str]  # plain words, one per factor that made it count other than 1


def weighed_reviews(
    book: Book, reviews: Iterable[Review], view: str = "candor"
) -> list[WeighedReview]:
    """Each review's weight in the rating of the book's work in ``view``, and why (a
    reader's earlier review of another edition weighs nothing: their latest counts)."""
    weighting = store.weighting(book, view)
    now = timezone.now()
    reviews = list(reviews)
    later = superseded(book, reviews)
    rows = []
    for review in reviews:
        if review.pk in later:
            why = ["this reader's later review of another edition counts instead"]
            rows.append(WeighedReview(review, 0.0, why))
            continue
        counted = ReviewInput(
            rating=review.rating,
            created_at=min(review.created_at, now),
            verified=review.verified_purchase,
            trust=review.effective_trust,
        )
        weight = review_weight(counted, weighting, DEFAULT_CONFIG)
        rows.append(WeighedReview(review, weight, reasons(review, counted.created_at, weighting)))
    return rows


def superseded(book: Book, reviews: list[Review]) -> set[int]:
    """Those of ``reviews`` whose reader has a later visible review of another edition of
    the book's work (`store.work_columns` counts each reader once, by their latest)."""
    latest: dict[int, tuple[datetime, int]] = {}
    found = Review.objects.visible().filter(
        book__work_id=book.work_id, user_id__in={review.user_id for review in reviews}
    )
    for user_id, created_at, pk in found.values_list("user_id", "created_at", "pk"):
        latest[user_id] = max(latest.get(user_id, (created_at, pk)), (created_at, pk))
    return {review.pk for review in reviews if latest[review.user_id][1] != review.pk}


def reasons(review: Review, created_at: datetime, weighting: store.BookWeighting) -> list[str]:
    config = DEFAULT_CONFIG
    why = []
    if not review.verified_purchase:
        why.append("not a verified purchase: half the weight of a verified one")
    if review.trust_override is not None:
        why.append(f"a moderator set its trust to {review.trust_override:.2f}")
    elif review.trust < 1:
        texts = [r.get("text", "") for r in review.trust_reasons if r.get("code") != TRUNCATED]
        found = "; ".join(texts) or "other signals combined"
        why.append(f"trust {review.trust:.2f}: {found}")
    if weighting.gate > 0:
        age_days = (weighting.reference - created_at.timestamp()) / SECONDS_PER_DAY
        factor = 1 - weighting.gate * (1 - full_recency(age_days, config))
        if factor < 0.995:
            why.append(
                f"posted {age_days / 30.44:.0f} months before the newest review, "
                f"while readers' views changed: counts {factor:.2f}"
            )
    return why


def trust_summary(book: Book, result: RatingResult) -> dict[str, object]:
    """Down-weighted reviews grouped by reason, and the rating with and without trust
    (the trust step of the stored explanation)."""
    groups: dict[str, dict[str, object]] = {}
    downweighted = 0
    visible = Review.objects.visible().filter(book__work_id=book.work_id)  # every edition
    for review in visible.only("trust", "trust_override", "trust_reasons"):
        if not is_downweighted(review.effective_trust):
            continue
        downweighted += 1
        found = review.trust_reasons or [{"code": "other", "text": "other signals combined"}]
        if review.trust_override is not None:
            found = [{"code": "moderator", "text": "a moderator decided it should count less"}]
        for reason in found:
            if reason["code"] == TRUNCATED:
                continue  # a note that the text was read in part, not a reason to count less
            group = groups.setdefault(reason["code"], {"example": reason["text"], "count": 0})
            group["count"] = int(group["count"]) + 1  # type: ignore[call-overload]
    trust_delta = sum(f.delta for f in result.explanation if f.code == "trust")
    return {
        "downweighted": downweighted,
        "groups": sorted(groups.items(), key=lambda item: -int(item[1]["count"])),  # type: ignore[call-overload]
        "with_trust": result.rating,
        "without_trust": None if result.rating is None else result.rating - trust_delta,
    }
