"""The rating-over-time chart: lines in the SVG, labels as text beside it, and the same
points as a table for readers who cannot see the chart."""

import re
from datetime import date

import pytest
from django.test import Client

from candor.catalog.chart import INSET, rating_chart, y_of
from candor.catalog.models import Book


def test_chart_points_rows_and_description() -> None:
    history = [(date(2024, 1, 31), 3.96), (date(2024, 6, 30), 4.25), (date(2025, 1, 31), 4.04)]
    chart = rating_chart(history)
    assert chart is not None
    assert chart.rows == [
        (date(2024, 1, 31), "4.0"),
        (date(2024, 6, 30), "4.3"),
        (date(2025, 1, 31), "4.0"),
    ]
    assert chart.description == (
        "Candor's rating went from 4.0 in January 2024 to 4.0 in January 2025."
    )
    xs = [float(point.split(",")[0]) for point in chart.points.split()]
    assert xs[0] == 0 and xs[-1] == 300
    # The CSS puts the 5, 3 and 1 labels at 10 %, 50 % and 90 % of the chart's height.
    assert [y for _, y in chart.gridlines] == [INSET, 50, 100 - INSET]
    assert y_of(5) == 10 and y_of(1) == 90


def test_one_point_is_no_chart() -> None:
    assert rating_chart([(date(2024, 1, 31), 4.0)]) is None


@pytest.mark.django_db
def test_book_page_chart_has_text_labels_and_a_table(
    client: Client, book: Book, owner, make_user, write
) -> None:
    write(owner, book, 5, days_ago=400)
    write(make_user("later"), book, 2, days_ago=100)
    write(make_user("recent"), book, 4, days_ago=2)
    html = client.get(book.get_absolute_url()).text
    figure = html[html.index('data-testid="rating-chart"') : html.index("</figure>")]
    assert "<text" not in figure  # no labels drawn inside the stretched SVG
    assert re.findall(r'<li class="y(\d)">', figure) == ["5", "3", "1"]
    rows = re.findall(r"<tr><td>([A-Z][a-z]+ \d{4})</td><td>(\d\.\d)</td></tr>", figure)
    assert len(rows) >= 2
    assert 'role="img" aria-label="Candor&#x27;s rating went from' in figure
