"""One line between "counts fully" and "down-weighted" (trust_levels.DOWNWEIGHTED_BELOW),
drawn in the same place by the book's ratings page, the admin's trust filter and the
desk; trust shown rounded, with its reasons, in every admin list."""

import pytest
from django.urls import reverse

from candor.reviews.services import override_trust, record_trust
from candor.reviews.trust_levels import DOWNWEIGHTED_BELOW, trust_words
from tests.conftest import client_for
from tests.desk.conftest import BURST, decide, queued_ids

pytestmark = pytest.mark.django_db


def downweighted_on_the_ratings_page(book) -> int:  # type: ignore[no-untyped-def]
    html = client_for(None).get(reverse("rating_explanation", args=[book.slug])).content.decode()
    if "No review of this book was down-weighted" in html:
        return 0
    return int(html.split(" reviews were down-weighted")[0].rsplit("<p>", 1)[1].split(" of ")[0])


def readers_in_the_admins_low_filter(staff, level: str = "low") -> set[str]:  # type: ignore[no-untyped-def]
    response = client_for(staff).get(f"/admin/reviews/review/?trust_level={level}")
    return {review.user.username for review in response.context["cl"].result_list}


@pytest.mark.parametrize(
    "trust, below",
    [(DOWNWEIGHTED_BELOW - 0.01, True), (DOWNWEIGHTED_BELOW, False), (0.5, True)],
)
def test_the_ratings_page_the_admin_filter_and_the_desk_agree(staff, shelf, trust, below) -> None:
    record_trust(shelf.doubtful, trust, [BURST])
    assert downweighted_on_the_ratings_page(shelf.book) == int(below)
    assert readers_in_the_admins_low_filter(staff) == ({"fresh"} if below else set())
    counted_fully = readers_in_the_admins_low_filter(staff, "full")
    assert counted_fully == {"owner", "steady"} | (set() if below else {"fresh"})
    assert (shelf.doubtful.pk in queued_ids(staff, "?show=low-trust")) is below


def test_a_moderators_decision_is_the_trust_that_counts_everywhere(staff, shelf) -> None:
    # Kept: the analysis's 0.31 no longer makes it down-weighted anywhere.
    override_trust(shelf.doubtful, by=staff, trust=1.0, note="known reader")
    # Discounted: a trusted review counts for nothing; down-weighted on the page and in
    # the admin, and off the desk's queue, since staff decided.
    override_trust(shelf.trusted, by=staff, trust=0.0, note="paid")
    assert downweighted_on_the_ratings_page(shelf.book) == 1
    assert readers_in_the_admins_low_filter(staff) == {"steady"}
    assert queued_ids(staff, "?show=low-trust") == []


def test_the_admin_filter_names_the_line(staff, shelf) -> None:
    html = client_for(staff).get("/admin/reviews/review/").content.decode()
    assert f"Down-weighted (below {DOWNWEIGHTED_BELOW:.2f})" in html


RAW = 0.7961097610124608


def test_every_admin_list_shows_trust_rounded_with_its_reasons(staff, shelf) -> None:
    record_trust(shelf.reported, RAW, [BURST])
    decide(client_for(staff), shelf.reported, "discount", "paid, says the shop")
    admin = client_for(staff)
    reviews = admin.get("/admin/reviews/review/").content.decode()
    assert "0.00, not counted (set by staff; computed 0.80)" in reviews
    assert "posted in a burst of 12 five-star reviews in 2 days" in reviews
    assert "0.31, doubtful: counts 31% of a full review" in reviews  # an undecided one
    reports = admin.get("/admin/reviews/report/").content.decode()
    assert "computed 0.80" in reports and "posted in a burst of 12" in reports
    log = admin.get("/admin/reviews/auditentry/").content.decode()
    assert trust_words(RAW) in log and "0.80, some doubt" in log
    for page in (reviews, reports, log):
        assert "0.796" not in page
