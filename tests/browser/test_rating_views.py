"""In Chromium: a reader switches between Candor's rating, as posted and verified only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from candor.reviews.services import record_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown(page) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return (
        page.locator("[data-testid=rating-value]").inner_text(),
        page.locator("[data-testid=rating-count]").inner_text(),
    )


def test_reader_compares_the_rating_views(page, live_server, book, make_user, write, output_dir):  # type: ignore[no-untyped-def]
    buyer = make_user("buyer")
    record_order(buyer, book, timezone.localdate() - timedelta(days=400), "shop")
    write(buyer, book, 5, days_ago=300)
    for i, stars in enumerate([1, 1, 2]):
        write(make_user(f"drive-by{i}"), book, stars, days_ago=20 * (i + 1))

    page.goto(f"{live_server.url}{book.get_absolute_url()}")
    candor_value, candor_count = shown(page)
    assert candor_count == "4 ratings"
    assert page.locator("text=likely between").is_visible()
    assert page.locator("svg.rating-chart polyline").count() == 1

    page.click("text=As posted")
    assert shown(page) == ("2.3", "4 ratings")
    page.click("text=Verified purchases only")
    verified_value, verified_count = shown(page)
    assert verified_count == "1 rating" and float(verified_value) > float(candor_value)
    page.screenshot(path=str(output_dir / "rating-views-verified.png"), full_page=True)

    page.click("text=Candor's rating")
    page.click("text=How are ratings calculated?")
    steps = page.locator("[data-testid=explanation-steps]")
    assert (
        steps.locator("text=Unverified reviews count half as much as verified purchases").count()
        == 1
    )
    # A sceptic adds up the shown changes: they give the shown difference exactly.
    changes = [
        Decimal(text.replace("\N{MINUS SIGN}", "-"))
        for text in page.locator("[data-testid=step-change]").all_inner_texts()
    ]
    simple = Decimal(page.locator("[data-testid=simple-average]").inner_text())
    final = Decimal(page.locator("[data-testid=candor-rating]").inner_text())
    assert simple + sum(changes) == final
    assert page.locator("[data-testid=review-weight]").count() == 4
