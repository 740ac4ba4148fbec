"""A small SVG line chart of a book's rating over time, computed on the server."""

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT, PAD = 300, 90, 14


@dataclass(frozen=True)
class Chart:
    points: str  # SVG polyline points
    first: date
    last: date
    low: float
    high: float
    gridlines: list[tuple[int, float]]  # (star, y)
    description: str


def y_of(rating: float) -> float:
    """Stars 1..5 mapped onto the chart's height, 5 at the top."""
    return PAD + (5.0 - rating) / 4.0 * (HEIGHT - 2 * PAD)


def rating_chart(history: list[tuple[date, float]]) -> Chart | None:
    if len(history) < 2:
        return None
    start, end = history[0][0].toordinal(), history[-1][0].toordinal()
    span = max(1, end - start)
    coords = [
        (PAD + (day.toordinal() - start) / span * (WIDTH - 2 * PAD), y_of(rating))
        for day, rating in history
    ]
    ratings = [rating for _, rating in history]
    return Chart(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        first=history[0][0],
        last=history[-1][0],
        low=min(ratings),
        high=max(ratings),
        gridlines=[(star, y_of(star)) for star in (1, 3, 5)],
        description=(
            f"Candor's rating went from {ratings[0]:.1f} in {history[0][0]:%B %Y} "
            f"to {ratings[-1]:.1f} in {history[-1][0]:%B %Y}."
        ),
    )
