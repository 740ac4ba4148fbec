"""`candor trust`: the batch half of trust analysis for the web database.

When a review is posted, the web app scores it at once (`services.submit_review`: its
text, the account's age, a burst on the book, a copied text); this command runs every
signal (`candor.trust.score.ALL_SIGNALS`: reviewer behaviour, bursts, lockstep groups,
near-duplicates, text) over all visible reviews, records trust and reasons for each
review whose result changed, judges every helpful vote again by its voter's trust
(`services.recount_helpful`), writes the text bands of texts that have none (imports:
`services.refresh_text_bands`, for the live copy check), then recomputes the catalogue
prior and every book's rating from the trust that now counts
(`candor.reviews.store.rebuild`), and prints a summary. Staff overrides win: an
overridden review's analysis is updated, never its override. Run it on a schedule
(docs/operations.md): it is also when the catalogue prior moves.
"""

import time
from collections import Counter
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand
from django.utils import timezone

from candor.reviews import store
from candor.reviews.models import Review
from candor.reviews.services import (
    TrustReason,
    TrustUpdate,
    record_trust_batch,
    recount_all_helpful,
    refresh_text_bands,
)
from candor.reviews.trust_levels import DOWNWEIGHTED_BELOW
from candor.trust.score import ALL_SIGNALS, TRUNCATED, TrustResult, analyse, review_text
from candor.trust.table import Reviews

FIELDS = (
    "pk",
    "book_id",
    "book__work_id",
    "user_id",
    "rating",
    "created_at",
    "verified_purchase",
    "helpful_count",
    "title",
    "text",
    "trust",
    "trust_reasons",
    "trust_override",
    "updated_at",
    "user__date_joined",
    "trust_batch_at",
)


class Command(BaseCommand):
    help = (
        "Run trust analysis (every signal) over all visible reviews, record trust and "
        "reasons, then recompute the catalogue prior and every book's rating."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rows = list(Review.objects.visible().order_by("pk").values_list(*FIELDS).iterator(2_000))
        if not rows:
            self.stdout.write("No reviews to analyse.")
            return
        columns = dict(zip(FIELDS, zip(*rows, strict=True), strict=True))
        result = analyse(reviews_table(columns), ALL_SIGNALS, now=timezone.now().timestamp())
        updates, overridden = changed_reviews(columns, result)
        recorded = record_trust_batch(updates)
        votes = recount_all_helpful()  # voters' trust has just changed
        banded = refresh_text_bands()
        rated = store.rebuild()
        self.stdout.write(
            summary(columns, result, recorded.recorded, recorded.books, rated, overridden)
            + (f"; {recorded.skipped:,} edited meanwhile, kept" if recorded.skipped else "")
            + f"; helpful votes recounted ({votes:,} changed)"
            + f"; text bands written for {banded:,} reviews"
            + f"; {time.perf_counter() - started:.1f} s"
        )


def _seconds(moments: tuple[Any, ...]) -> np.ndarray:
    return np.array([int(moment.timestamp()) for moment in moments], dtype=np.int64)


def reviews_table(columns: dict[str, tuple[Any, ...]]) -> Reviews:
    # The product is the work: the rated item, whose reviews on every edition are one set.
    _, book = np.unique(np.array(columns["book__work_id"], dtype=np.int64), return_inverse=True)
    _, user = np.unique(np.array(columns["user_id"], dtype=np.int64), return_inverse=True)
    return Reviews(
        review_id=[str(pk) for pk in columns["pk"]],
        product=book.astype(np.int64),
        reviewer=user.astype(np.int64),
        rating=np.array(columns["rating"], dtype=np.int64),
        time=_seconds(columns["created_at"]),
        verified=np.array(columns["verified_purchase"], dtype=bool),
        helpful=np.array(columns["helpful_count"], dtype=np.int64),
        text=[
            review_text(title, text)
            for title, text in zip(columns["title"], columns["text"], strict=True)
        ],
        # Only ever moves an account's start earlier than its first review here.
        reviewer_since=_seconds(columns["user__date_joined"]),
    )


def changed_reviews(
    columns: dict[str, tuple[Any, ...]], result: TrustResult
) -> tuple[list[TrustUpdate], int]:
    """The reviews whose trust or reasons differ from what is stored, or that no batch run
    has recorded yet (so that an edit cannot raise their trust: `trust_batch_at`), and
    how many reviews a staff override keeps (their computed analysis is still recorded)."""
    updates = []
    for i, stored_trust in enumerate(columns["trust"]):
        trust = float(result.trust[i])
        reasons = [
            TrustReason(code, text, factor=account_factor(result, i) if code == NEW else None)
            for code, text in result.reasons_and_notes(i)
        ]
        same = [r.to_dict() for r in reasons] == columns["trust_reasons"][i]
        if trust != stored_trust or not same or columns["trust_batch_at"][i] is None:
            updates.append(TrustUpdate(columns["pk"][i], trust, reasons, columns["updated_at"][i]))
    overridden = sum(override is not None for override in columns["trust_override"])
    return updates, overridden


NEW = "new_account"  # candor.trust.live.NEW_ACCOUNT, without loading that module here


def account_factor(result: TrustResult, i: int) -> float | None:
    """The account-age factor behind a ``new_account`` reason, when the engine gives it
    (`candor.trust.live.new_account_signal`): kept with the reason, so that a new
    reader's low trust does not make them a distrusted voter (`live.distrusted`)."""
    values = result.merged.numbers.get("new_account_factor")
    return None if values is None else float(values[i])


def summary(
    columns: dict[str, tuple[Any, ...]],
    result: TrustResult,
    recorded: int,
    books: int,
    rated: int,
    overridden: int,
) -> str:
    """One line: what ran, what changed, and the down-weighted reviews by reason."""
    by_reason: Counter[str] = Counter()
    downweighted = 0
    for i, override in enumerate(columns["trust_override"]):
        counted = float(result.trust[i]) if override is None else override
        if counted >= DOWNWEIGHTED_BELOW:
            continue
        downweighted += 1
        codes = [code for code, _ in result.reasons(i)] if override is None else ["staff"]
        by_reason.update(codes or ["other signals combined"])
    reasons = ", ".join(f"{code} {count:,}" for code, count in by_reason.most_common())
    truncated = result.truncated
    seconds = ", ".join(f"{name} {value:.1f} s" for name, value in result.seconds.items())
    return (
        f"Trust analysis: {len(result):,} reviews scored ({seconds}); {recorded:,} changed, "
        f"in {books:,} books; catalogue prior recomputed and {rated:,} books re-rated; "
        f"{downweighted:,} down-weighted (trust below "
        f"{DOWNWEIGHTED_BELOW}){': ' + reasons if reasons else ''}; "
        f"{overridden:,} kept as staff decided; "
        f"texts truncated for analysis ({TRUNCATED}): "
        f"{int(truncated.sum()) if truncated is not None else 0:,}"
    )
