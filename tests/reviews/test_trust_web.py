"""Trust in the web app: it changes the rating, staff can overrule it, pages explain it."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from candor.reviews.models import Review
from candor.reviews.services import TrustReason, override_trust, record_trust
from tests.conftest import client_for, stored

pytestmark = pytest.mark.django_db

BURST = TrustReason("burst", "posted in a burst of 40 five-star reviews in 2 days")
COPY = TrustReason("near_duplicate", "one of 14 near-identical reviews")


@pytest.fixture
def campaign(book, make_user, write):  # type: ignore[no-untyped-def]
    """Three honest 2-star reviews and four suspicious 5-star ones."""
    for i in range(3):
        write(make_user(f"honest{i}"), book, 2)
    fakes = [write(make_user(f"fake{i}"), book, 5) for i in range(4)]
    return fakes


def test_low_trust_reviews_move_the_rating_less(book, campaign) -> None:
    before = stored(book).rating
    for review in campaign:
        record_trust(review, 0.05, [BURST])
    after = stored(book)
    assert after.rating < before - 0.3
    assert after.count == 7
    assert any(f.code == "trust" and f.delta < 0 for f in after.explanation)
    book.refresh_from_db()
    assert book.rating == pytest.approx(after.rating)


def test_explanation_groups_downweighted_reviews_by_reason(book, campaign) -> None:
    for review in campaign[:3]:
        record_trust(review, 0.1, [BURST])
    record_trust(campaign[3], 0.2, [BURST, COPY])
    html = client_for(None).get(reverse("rating_explanation", args=[book.slug])).content.decode()
    assert "4 of 7 reviews were down-weighted" in html
    assert "posted in a burst of 40 five-star reviews in 2 days</td><td>4<" in html
    assert "one of 14 near-identical reviews</td><td>1<" in html
    assert "Without trust weighting the rating would be" in html


def test_staff_keeps_a_review_and_the_decision_is_recorded(book, campaign, staff) -> None:
    review = campaign[0]
    record_trust(review, 0.05, [BURST])
    lowered = stored(book).rating
    client_for(staff).post(
        "/admin/reviews/review/",
        {"action": "keep_selected", "_selected_action": [review.pk], "note": "a real reader"},
    )
    review.refresh_from_db()
    assert review.trust == 0.05 and review.trust_override == 1.0
    assert review.trust_override_by == staff and review.trust_override_at is not None
    assert stored(book).rating > lowered
    client_for(staff).post(
        "/admin/reviews/review/",
        {"action": "clear_override", "_selected_action": [review.pk], "note": "look again"},
    )
    review.refresh_from_db()
    assert review.trust_override is None and review.trust_override_by is None
    assert stored(book).rating == pytest.approx(lowered)


def test_staff_sees_trust_and_reasons_in_the_admin(book, campaign, staff) -> None:
    record_trust(campaign[0], 0.05, [BURST])
    admin = client_for(staff)
    assert "0.05" in admin.get("/admin/reviews/review/?trust_level=low").content.decode()
    change = admin.get(f"/admin/reviews/review/{campaign[0].pk}/change/").content.decode()
    assert "posted in a burst of 40 five-star reviews in 2 days" in change


@pytest.mark.parametrize("persona", ["anonymous", "other_user"])
def test_only_staff_can_override_trust(book, campaign, other_user, persona) -> None:
    client = client_for(None if persona == "anonymous" else other_user)
    client.post(
        "/admin/reviews/review/",
        {"action": "discount_selected", "_selected_action": [campaign[0].pk], "note": "paid"},
    )
    assert Review.objects.get(pk=campaign[0].pk).trust_override is None


def test_trust_outside_0_to_1_is_refused(book, campaign, staff) -> None:
    with pytest.raises(ValueError, match="trust"):
        record_trust(campaign[0], 1.5, [])
    with pytest.raises(ValueError, match="trust"):
        override_trust(campaign[0], staff, -0.1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=campaign[0].pk).update(trust=2.0)
