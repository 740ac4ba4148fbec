"""The explanation in plain words: one line per step that changed how reviews count.

The steps are `candor.ratings.score.STAGES` after the simple average. A step's delta is
its stage's rating minus the previous stage's, so the deltas add up to the rating
minus the simple average; the shown deltas are rounded to hundredths of a star so that
they add up to the shown rating (two decimals) minus the shown simple average
(largest-remainder rounding). A step that changed no review's weight is left out unless
its rounded delta is not zero.

`Explainer` writes the explanation of many books; it remembers the phrases that do not
depend on the numbers, since a batch run writes the same few phrases a million times.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from candor.ratings.config import RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.result import Factor
from candor.ratings.rounding import half_up, shown_steps

OPENING_LABEL = "Simple average"
DIGITS = 2
# Below this share of the total, the prior's pull is not called out with "only".
FEW_RATINGS_PRIOR_SHARE = 0.2


@dataclass(frozen=True)
class Context:
    count: int
    noun: str  # "rating" or "verified-purchase rating"
    prior: Prior
    config: RatingConfig
    gate: float


def prior_words(context: Context) -> str:
    prior = context.prior
    few = prior.strength >= FEW_RATINGS_PRIOR_SHARE * (prior.strength + context.count)
    ratings = ("only " if few else "") + plural(context.count, context.noun)
    average = f"the {prior.name} average of {half_up(prior.mean, DIGITS)}"
    return f"With {ratings}, the rating is pulled toward {average}"


def verified_words(context: Context) -> str:
    config = context.config
    relative = config.unverified_weight / config.verified_weight
    weight = {0.5: "half as much as", 1.0: "as much as"}.get(relative, f"{relative:.0%} of")
    return f"Unverified reviews count {weight} verified purchases"


def trust_words(context: Context) -> str:
    return "Reviews our trust checks doubt count less"


def recency_words(context: Context) -> str:
    floor = context.config.recency_floor
    most = 1.0 / (1.0 - context.gate * (1.0 - floor))
    return (
        "Recent reviews differ clearly from older ones, so newer reviews count up to "
        f"{most:.1f} times as much as older ones"
    )


STAGE_WORDING: dict[str, tuple[str, Callable[[Context], str]]] = {
    "prior": ("Pull toward the average", prior_words),
    "verified_purchase": ("Verified purchases", verified_words),
    "trust": ("Trust", trust_words),
    "recency": ("Recent change", recency_words),
}


class Explainer:
    """Explanations of many books whose stages are ``codes`` (`score.STAGES`)."""

    def __init__(self, noun: str, prior: Prior, config: RatingConfig, codes: Sequence[str]):
        self.noun = noun
        self.prior = prior
        self.config = config
        self.codes = tuple(codes)
        self._words: dict[tuple[str, int, float], str] = {}

    def factors(
        self,
        count: int,
        ratings: Sequence[float],
        changed: Sequence[bool],
        gate: float,
        shown: Sequence[float] | None = None,
    ) -> list[Factor]:
        """The explanation of one book: its count, stage ratings, changed flags and gate,
        and its shown steps when they were rounded for many books at once
        (`rounding.shown_steps_of_many`)."""
        if count == 0:
            return nothing_to_rate(self.noun)
        opening = Factor(
            "simple_average",
            OPENING_LABEL,
            0.0,
            0.0,
            opening_sentence(count, self.noun, ratings[0]),
        )
        if ratings[-1] != ratings[-1]:  # NaN: no review counts
            return [opening, nothing_counts(count, self.noun)]
        deltas = [ratings[i] - ratings[i - 1] for i in range(1, len(ratings))]
        if shown is None:
            shown = shown_steps(ratings[0], ratings[-1], deltas, DIGITS)
        factors = [opening]
        for index, (delta, rounded) in enumerate(zip(deltas, shown, strict=True), start=1):
            if not changed[index] and rounded == 0:
                continue
            code = self.codes[index]
            label = STAGE_WORDING[code][0]
            words = self.words(code, count, gate)
            factors.append(Factor(code, label, delta, rounded, f"{words}: {change(rounded)}."))
        return factors

    def words(self, code: str, count: int, gate: float) -> str:
        # Only the prior's words depend on the count, only recency's on the gate.
        key = (code, count if code == "prior" else -1, gate if code == "recency" else -1.0)
        found = self._words.get(key)
        if found is None:
            context = Context(count, self.noun, self.prior, self.config, gate)
            found = self._words[key] = STAGE_WORDING[code][1](context)
        return found


def opening_sentence(count: int, noun: str, average: float) -> str:
    return f"The simple average of {plural(count, noun)} is {half_up(average, DIGITS)} stars."


def nothing_to_rate(noun: str) -> list[Factor]:
    return [Factor("no_ratings", "No ratings", 0.0, 0.0, f"No {noun}s yet.")]


def nothing_counts(count: int, noun: str) -> Factor:
    sentence = (
        f"None of the {plural(count, noun)} counts: our trust checks or a moderator "
        "doubt every one of them."
    )
    return Factor("nothing_counts", "Nothing counts", 0.0, 0.0, sentence)


def change(delta: float) -> str:
    """A shown step: "+0.12 stars", "\N{MINUS SIGN}0.05 stars" or "no change"."""
    if delta == 0:
        return "no change"
    sign = "+" if delta > 0 else "\N{MINUS SIGN}"
    return f"{sign}{abs(delta):.{DIGITS}f} stars"


def plural(amount: float, noun: str) -> str:
    # :g would print a million ratings as 1e+06.
    number = f"{amount:,}" if isinstance(amount, int) else f"{amount:g}"
    return f"{number} {noun}" + ("" if amount == 1 else "s")
