"""What the book page shows: the rating, its spread, and why it is what it is."""

from dataclasses import dataclass

JsonValue = str | int | float | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True)
class Factor:
    """One step of the explanation: how much switching on ``code`` moved the rating."""

    code: str
    label: str
    delta: float
    sentence: str

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "label": self.label,
            "delta": self.delta,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class RatingResult:
    """A book's rating in one view.

    ``rating`` is None when there is nothing to rate (never a fake 0). ``count`` is
    the number of ratings behind it; ``stars`` whole percents per star (keys 5..1)
    adding up to 100, or all 0 without ratings; ``interval`` the credible interval
    of the rating; ``effective_count`` the sum of the review weights; ``explanation``
    the factors, first the simple average (delta 0), then each adjustment, whose
    deltas add up to ``rating`` minus the simple average.
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
