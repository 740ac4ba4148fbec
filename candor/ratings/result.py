"""What a page shows of a book's rating: the number, its spread, and how it got there."""

from dataclasses import dataclass
from typing import Any

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True)
class Factor:
    """One step of the explanation: switching on ``code`` moved the rating by ``delta``;
    ``shown`` is that move rounded for display, so that the shown steps add up exactly
    to the shown difference (`candor.ratings.rounding.shown_steps`)."""

    code: str
    label: str
    delta: float
    shown: float
    sentence: str

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "label": self.label,
            "delta": self.delta,
            "shown": self.shown,
            "sentence": self.sentence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Factor":
        return cls(data["code"], data["label"], data["delta"], data["shown"], data["sentence"])


@dataclass(frozen=True)
class RatingResult:
    """A book's rating in one view.

    ``rating`` is None when nothing can be counted (never a fake 0); ``count`` is the
    number of ratings posted; ``stars`` whole percents per star (keys 5..1) adding up
    to 100, or all 0 without ratings; ``interval`` the credible interval of the rating;
    ``effective_count`` how many reviews' worth of evidence the rating rests on (the sum
    of the weights); ``explanation`` the simple average (delta 0), then each step that
    changed how reviews count, whose deltas add up to ``rating`` minus the simple average.
    """

    rating: float | None
    count: int
    stars: dict[int, int]
    interval: tuple[float, float] | None
    effective_count: float
    explanation: list[Factor]

    @property
    def sentences(self) -> list[str]:
        return [factor.sentence for factor in self.explanation]

    @property
    def steps(self) -> list[Factor]:
        """The explanation after its opening line."""
        return self.explanation[1:]

    @property
    def evidence_words(self) -> str:
        """The effective number of ratings as a reader would say it."""
        return evidence_words(self.effective_count)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-ready: star keys become strings and the interval a list, as JSON has them."""
        return {
            "rating": self.rating,
            "count": self.count,
            "stars": {str(star): percent for star, percent in self.stars.items()},
            "interval": list(self.interval) if self.interval is not None else None,
            "effective_count": self.effective_count,
            "explanation": [factor.to_dict() for factor in self.explanation],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RatingResult":
        interval = data["interval"]
        return cls(
            rating=data["rating"],
            count=data["count"],
            stars={int(star): percent for star, percent in data["stars"].items()},
            interval=None if interval is None else (interval[0], interval[1]),
            effective_count=data["effective_count"],
            explanation=[Factor.from_dict(factor) for factor in data["explanation"]],
        )


def evidence_words(amount: float) -> str:
    """ "about 12 reviews' worth of evidence", "less than one review's worth of evidence"."""
    if amount <= 0:
        return "no evidence we can count"
    if amount < 0.95:
        return "less than one review's worth of evidence"
    rounded = round(amount)
    if rounded == 1:
        return "about one review's worth of evidence"
    return f"about {rounded:,} reviews' worth of evidence"
