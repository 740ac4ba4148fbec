import pytest

from candor.catalog.templatetags.candor import one_decimal, signed, stars


@pytest.mark.parametrize(
    ("value", "shown"), [(2.25, "2.3"), (4.05, "4.1"), (3.94999, "3.9"), (5.0, "5.0"), (1.0, "1.0")]
)
def test_ratings_show_one_decimal_rounded_half_up(value, shown) -> None:
    assert one_decimal(value) == shown


def test_no_rating_shows_nothing_rather_than_zero() -> None:
    assert one_decimal(None) == ""


@pytest.mark.parametrize(("value", "glyphs"), [(2.5, "★★★☆☆"), (4.49, "★★★★☆"), (1.0, "★☆☆☆☆")])
def test_star_glyphs_round_half_up(value, glyphs) -> None:
    assert stars(value) == glyphs


def test_signed_changes_use_a_true_minus_sign() -> None:
    assert signed(-0.2) == "\u22120.20" and signed(0.1) == "+0.10"


@pytest.mark.django_db
def test_a_review_with_300_helpful_votes_weighs_what_it_weighs_with_none(
    book, owner, other_user, write
) -> None:
    # Helpful votes sort reviews, they do not weigh them: an imported file can carry
    # any count. The ratings page's weight table shows both reviews counting the same.
    import re

    from django.urls import reverse

    from candor.reviews import store
    from candor.reviews.display import weighed_reviews
    from candor.reviews.models import Review
    from tests.conftest import client_for

    voted = write(owner, book, 5, title="Carried 300 votes")
    plain = write(other_user, book, 1, title="Carried none")
    book.refresh_from_db()
    before = store.shown(book).result
    Review.objects.filter(pk=voted.pk).update(helpful_count=300)
    store.recompute_books([book.pk])
    book.refresh_from_db()
    after = store.shown(book).result
    assert after == before

    reviews = Review.objects.filter(pk__in=[voted.pk, plain.pk]).order_by("pk")
    with_votes, without = weighed_reviews(book, reviews)
    assert with_votes.review.helpful_count == 300 and without.review.helpful_count == 0
    assert with_votes.weight == without.weight == 1.0
    assert with_votes.why == without.why

    html = client_for(None).get(reverse("rating_explanation", args=[book.slug])).content.decode()
    shown = re.findall(r'data-testid="review-weight">([\d.]+)<', html)
    assert shown == ["1.00", "1.00"]
    assert "found it helpful" not in html
    assert "Helpful votes decide the order" in html
