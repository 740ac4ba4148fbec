"""Plain-words explanation of how each factor moved the rating.

The rating is computed in stages, each switching one more factor on:

    simple average -> + prior -> + recency -> + verified purchase -> + helpful votes -> + trust

A factor's ``delta`` is its stage's rating minus the previous stage's, so the deltas
add up to the final rating minus the simple average. A weighting factor that
changed no weight (say, every review is a verified purchase) is left out; its
delta would be exactly 0.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from candor.ratings.config import RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.result import Factor

# Below this share of the total, the prior's pull is not called out with "only".
FEW_RATINGS_PRIOR_SHARE = 0.2


@dataclass(frozen=True)
class Stage:
    code: str
    rating: float
    # False when switching the factor on changed no review's weight.
    changed_weights: bool = True


@dataclass(frozen=True)
class Context:
    count: int
    noun: str  # "rating" or "verified-purchase rating"
    prior: Prior
    config: RatingConfig


def explain(stages: Sequence[Stage], context: Context) -> list[Factor]:
    """The opening factor (the simple average) followed by one factor per later stage."""
    wording = Wording(context.noun, context.prior, context.config)
    return [
        Factor(*factor)
        for factor in factor_tuples(
            wording,
            context.count,
            [stage.code for stage in stages],
            [stage.rating for stage in stages],
            [stage.changed_weights for stage in stages],
        )
    ]


def factor_tuples(
    wording: "Wording",
    count: int,
    codes: Sequence[str],
    ratings: Sequence[float],
    changed: Sequence[bool],
) -> list[tuple[str, str, float, str]]:
    """The explanation as (code, label, delta, sentence) tuples: see `explain`."""
    factors = []
    for index, sentence in shown_sentences(wording, count, codes, ratings, changed):
        code = codes[index]
        label = OPENING_LABEL if index == 0 else STAGE_WORDING[code][0]
        delta = ratings[index] - ratings[index - 1] if index else 0.0
        factors.append((code, label, delta, sentence))
    return factors


def shown_sentences(
    wording: "Wording",
    count: int,
    codes: Sequence[str],
    ratings: Sequence[float],
    changed: Sequence[bool],
) -> list[tuple[int, str]]:
    """(stage index, sentence) of each factor the explanation shows, the opening first.

    A stage's delta is its rating minus the previous stage's.
    """
    shown = [(0, wording.opening(ratings[0], count)[3])]
    stage = wording.stage
    previous = ratings[0]
    for index in range(1, len(codes)):
        rating = ratings[index]
        delta = rating - previous
        previous = rating
        # Only a step that moved nothing may be left out, so the deltas still add up.
        if changed[index] or delta != 0.0:
            words = stage(codes[index], count)[1]
            shown.append((index, f"{words}: {change(delta)}."))
    return shown


class Wording:
    """The explanation's words for one noun, prior and config, remembered per rating count.

    Scoring a million books writes the same few phrases a million times; only the
    numbers differ. `explain` and the batch scorer (`Explainer`) both use it, so the
    page and a batch run say exactly the same thing.
    """

    def __init__(self, noun: str, prior: Prior, config: RatingConfig) -> None:
        self.noun = noun
        self.prior = prior
        self.config = config
        self._stage_words: dict[tuple[str, int], tuple[str, str]] = {}
        self._ratings: dict[int, str] = {}

    def opening(self, simple_average: float, count: int) -> tuple[str, str, float, str]:
        ratings = self._ratings.get(count)
        if ratings is None:
            ratings = self._ratings[count] = plural(count, self.noun)
        return ("simple_average", OPENING_LABEL, 0.0, opening_sentence(simple_average, ratings))

    def stage(self, code: str, count: int) -> tuple[str, str]:
        """(label, words before the colon) of a stage's sentence for a book of ``count``."""
        # Only the prior's words depend on the count.
        key = (code, count if code == "prior" else -1)
        found = self._stage_words.get(key)
        if found is None:
            label, words = STAGE_WORDING[code]
            found = (label, words(Context(count, self.noun, self.prior, self.config)))
            self._stage_words[key] = found
        return found


class Explainer:
    """Explanations of many books whose stages are `batch.EXPLANATION_STAGES`."""

    def __init__(self, noun: str, prior: Prior, config: RatingConfig, codes: Sequence[str]) -> None:
        self.wording = Wording(noun, prior, config)
        self.codes = tuple(codes)

    def factors(
        self, count: int, ratings: Sequence[float], changed: Sequence[bool]
    ) -> list[tuple[str, str, float, str]]:
        if count == 0:
            factor = nothing_to_rate(self.wording.noun)[0]
            return [(factor.code, factor.label, factor.delta, factor.sentence)]
        return factor_tuples(self.wording, count, self.codes, ratings, changed)

    def sentences(
        self, count: int, ratings: Sequence[float], changed: Sequence[bool]
    ) -> list[tuple[int, str]]:
        """(stage index, sentence) of each factor shown, for a book with ratings."""
        return shown_sentences(self.wording, count, self.codes, ratings, changed)

    def label(self, index: int) -> str:
        return OPENING_LABEL if index == 0 else STAGE_WORDING[self.codes[index]][0]


OPENING_LABEL = "Simple average"


def opening(simple_average: float, count: int, noun: str) -> Factor:
    sentence = opening_sentence(simple_average, plural(count, noun))
    return Factor("simple_average", OPENING_LABEL, 0.0, sentence)


def opening_sentence(simple_average: float, ratings: str) -> str:
    return f"The simple average of {ratings} is {simple_average:.1f} stars."


def nothing_to_rate(noun: str) -> list[Factor]:
    return [Factor("no_ratings", "No ratings", 0.0, f"No {noun}s yet.")]


def prior_words(context: Context) -> str:
    prior = context.prior
    few = prior.strength >= FEW_RATINGS_PRIOR_SHARE * (prior.strength + context.count)
    ratings = ("only " if few else "") + plural(context.count, context.noun)
    average = f"the {prior.name} average of {prior.mean:.1f}"
    return f"With {ratings}, the rating is pulled toward {average}"


def recency_words(context: Context) -> str:
    return f"Older reviews count less (half-life {duration(context.config.half_life_days)})"


def verified_words(context: Context) -> str:
    config = context.config
    relative = config.unverified_weight / config.verified_weight
    weight = {0.5: "half weight", 0.0: "no weight"}.get(relative, f"{relative:.0%} weight")
    return f"Unverified reviews counted at {weight}"


def helpful_words(context: Context) -> str:
    bonus = context.config.helpful_max_bonus
    return f"Reviews other readers found helpful count up to {bonus:.0%} more"


def trust_words(context: Context) -> str:
    return "Reviews our trust checks doubt count less"


STAGE_WORDING: dict[str, tuple[str, Callable[[Context], str]]] = {
    "prior": ("Pull toward the average", prior_words),
    "recency": ("Recency", recency_words),
    "verified_purchase": ("Verified purchases", verified_words),
    "helpful_votes": ("Helpful votes", helpful_words),
    "trust": ("Trust", trust_words),
}


def change(delta: float) -> str:
    """A star change as the page shows it: "+0.1 stars", "-0.03 stars", "no visible change".

    Negative changes use the typographic minus sign, as the page does.
    """
    size = abs(delta)
    if size < 0.005:
        return "no visible change"
    digits = 1 if size >= 0.05 else 2
    sign = "+" if delta > 0 else "\N{MINUS SIGN}"
    return f"{sign}{size:.{digits}f} stars"


def duration(days: float) -> str:
    if days >= 365 and days % 365 == 0:
        return plural(int(days // 365), "year")
    return plural(days, "day")


def plural(amount: float, noun: str) -> str:
    # :g would print a million ratings as 1e+06.
    number = str(amount) if isinstance(amount, int) else f"{amount:g}"
    return f"{number} {noun}" + ("" if amount == 1 else "s")
