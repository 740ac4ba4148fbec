"""A book's rating over time as a small line chart, computed on the server.

The SVG stretches to the width of the rating box, so the chart draws only lines in it;
the labels (stars on the left, the first and last month below) are HTML text next to
it, shown at a readable size whatever the width. The same points are listed as a table
for readers who cannot see the chart.
"""

from dataclasses import dataclass
from datetime import date

from candor.catalog.templatetags.candor import one_decimal

WIDTH, HEIGHT = 300, 100
# Stars 5 and 1 sit this far inside the top and bottom edges: the CSS places the star
# labels at the same heights (10 % and 90 %, .chart-y in site.css).
INSET = 10
LABELLED_STARS = (5, 3, 1)


@dataclass(frozen=True)
class Chart:
    points: str  # SVG polyline points
    first: date
    last: date
    gridlines: list[tuple[int, float]]  # (star, y)
    description: str
    rows: list[tuple[date, str]]  # each point as the table shows it: (month, rating)


def y_of(rating: float) -> float:
    """Stars 1..5 mapped onto the chart's height, 5 at the top."""
    return INSET + (5.0 - rating) / 4.0 * (HEIGHT - 2 * INSET)


def rating_chart(history: list[tuple[date, float]]) -> Chart | None:
    if len(history) < 2:
        return None
    start, end = history[0][0].toordinal(), history[-1][0].toordinal()
    span = max(1, end - start)
    coords = [((day.toordinal() - start) / span * WIDTH, y_of(rating)) for day, rating in history]
    ratings = [rating for _, rating in history]
    return Chart(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        first=history[0][0],
        last=history[-1][0],
        gridlines=[(star, y_of(star)) for star in LABELLED_STARS],
        description=(
            f"Candor's rating went from {one_decimal(ratings[0])} in {history[0][0]:%B %Y} "
            f"to {one_decimal(ratings[-1])} in {history[-1][0]:%B %Y}."
        ),
        rows=[(day, one_decimal(rating)) for day, rating in history],
    )
