"""A book page shows its work's rating and reviews, says that the rating covers several
editions, lets the reader see this edition's alone, and links the other editions."""

import pytest
from django.test import Client
from django.urls import reverse

from candor.catalog.models import Book
from candor.reviews.models import Review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def page(book: Book, query: str = "", client: Client | None = None) -> str:
    response = (client or Client()).get(book.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_book_of_one_edition_shows_no_edition_switch(book: Book) -> None:
    html = page(book)
    assert 'data-testid="edition-switch"' not in html
    assert "Rating for all" not in html


def test_every_edition_shows_the_works_rating_and_says_it_covers_all(three_editions) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, ebook = three_editions
    assert hardcover.rating == paperback.rating == ebook.rating
    html = page(ebook)
    assert "Rating for all 3 editions." in html
    assert "None of its ratings is of this edition." in html
    assert "8 ratings for all 3 editions" in html
    # Every edition's reviews, each saying which edition it was written on.
    assert "Hardcover review 0" in html and "Paperback review 1" in html
    assert "Paperback · German · 2005" in html
    html = page(paperback)
    assert "2 of its 8 ratings are of this edition." in html


def test_this_edition_shows_its_own_rating_and_reviews(three_editions) -> None:  # type: ignore[no-untyped-def]
    _, paperback, ebook = three_editions
    html = page(ebook, "?editions=this")
    assert "Rating for this edition (E-book · English · 2020) alone." in html
    assert 'data-testid="no-ratings"' in html
    assert "Hardcover review" not in html
    html = page(paperback, "?editions=this")
    assert "Paperback review 0" in html and "Hardcover review" not in html
    assert 'data-testid="rating-count">2 ratings' in html
    # Sorting and star filters keep the edition scope.
    assert 'name="editions" value="this"' in html
    assert "&amp;editions=this#reviews" in html


def test_the_edition_switch_links_every_other_edition(three_editions) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, ebook = three_editions
    html = page(paperback)
    assert f'href="{hardcover.get_absolute_url()}"' in html
    assert f'href="{ebook.get_absolute_url()}"' in html
    assert '<strong aria-current="page">Paperback · German · 2005</strong>' in html
    assert "“Das lange Ufer”" not in html  # its own title is not repeated
    assert "“Das lange Ufer”" in page(hardcover)


def test_the_explanation_page_weighs_every_editions_reviews(three_editions, write) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = three_editions
    reader = Review.objects.filter(book=paperback).first().user
    write(reader, hardcover, 5, "Changed my mind on the original")
    response = Client().get(reverse("rating_explanation", args=[hardcover.slug]))
    html = response.content.decode()
    assert "it covers the reviews of all 3 editions" in html
    assert "later review of another edition counts instead" in html
    assert html.count('data-testid="review-weight"') == 9  # every visible review listed


def test_a_vote_on_another_editions_review_comes_back_to_this_page(three_editions, owner) -> None:  # type: ignore[no-untyped-def]
    hardcover, _, ebook = three_editions
    review = Review.objects.filter(book=hardcover).first()
    next_url = f"{ebook.get_absolute_url()}?view=candor&sort=recent&stars=&editions=all"
    response = client_for(owner).post(f"/reviews/{review.pk}/helpful/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"].startswith(ebook.get_absolute_url() + "?")
    assert response["Location"].endswith(f"#review-{review.pk}")
