"""How Candor speaks of a review's trust, in one place.

`DOWNWEIGHTED_BELOW` is the one line between a review that counts fully and one that is
"down-weighted": the book's ratings page counts and groups the reviews below it, the
moderation desk queues the undecided ones below it, the admin's trust filter splits
the list there, and `candor trust` reports how many fell below it. Staff and readers
therefore see the same reviews called down-weighted everywhere.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q

from candor.trust.codes import TRUNCATED

# A review whose trust that counts (a moderator's decision, else the computed trust) is
# below this is down-weighted: one the analysis is less than 90% sure of. 0.9 is the
# line the book's ratings page drew before the desk; the admin's filter used 0.5.
DOWNWEIGHTED_BELOW = 0.9

# The same rule as a query: the moderator's decision if there is one, else the trust.
DOWNWEIGHTED = Q(trust_override__lt=DOWNWEIGHTED_BELOW) | Q(
    trust_override__isnull=True, trust__lt=DOWNWEIGHTED_BELOW
)

# Words for a trust, from the highest band down: (lowest trust of the band, its words).
BANDS = (
    (DOWNWEIGHTED_BELOW, "trusted"),
    (0.5, "some doubt"),
    (0.2, "doubtful"),
    (1e-9, "very doubtful"),
    (0.0, "not counted"),
)


def is_downweighted(effective_trust: float) -> bool:
    return effective_trust < DOWNWEIGHTED_BELOW


def trust_words(effective_trust: float) -> str:
    """A trust as people read it: "0.42, doubtful: counts 42% of a full review".

    Rounded to two decimals: the analysis's further digits mean nothing to anyone."""
    band = next(words for lowest, words in BANDS if effective_trust >= lowest)
    if effective_trust >= DOWNWEIGHTED_BELOW:
        return f"{effective_trust:.2f}, {band}: counts fully"
    if band == "not counted":
        return f"{effective_trust:.2f}, {band}"
    return f"{effective_trust:.2f}, {band}: counts {effective_trust:.0%} of a full review"


def reasons_list(reasons: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """The plain sentences of a review's trust reasons, most serious first as stored;
    the note that a long text was read in part is not a reason and is left out."""
    return [
        str(reason.get("text", ""))
        for reason in reasons or []
        if reason.get("code") != TRUNCATED and reason.get("text")
    ]


def reasons_text(reasons: Iterable[Mapping[str, Any]] | None) -> str:
    """The reasons in one line, or "no findings"."""
    return "; ".join(reasons_list(reasons)) or "no findings"
