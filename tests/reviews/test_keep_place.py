"""Acting on a review (helpful, report, signing in to do either) brings the reader back to
the same page of the same list, at that review; sort and filter links keep each other."""

import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from candor.catalog.models import Book
from candor.reviews.models import Report, Review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve(book: Book, make_user: Any, write: Any, settings: Any) -> list[Review]:
    """Twelve reviews of ``book``, newest first, five to a page (pages 1, 2 and 3)."""
    settings.REVIEWS_PER_PAGE = 5
    return [
        write(make_user(f"reader{i}"), book, 1 + i % 5, f"Review number {i}.", days_ago=i + 1)
        for i in range(12)
    ]


def listed_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="review" id="review-(\d+)"', html)]


def test_helpful_on_page_3_of_most_recent_returns_there(
    book: Book, twelve: list[Review], other_user: User
) -> None:
    here = f"{book.get_absolute_url()}?view=candor&sort=recent&stars=&page=3"
    client = client_for(other_user)
    html = client.get(here).content.decode()
    target = twelve[10]
    assert target.pk in listed_ids(html)  # page 3 shows the 11th newest
    assert f'name="next" value="{here.replace("&", "&amp;")}"' in html

    response = client.post(reverse("helpful", args=[target.pk]), {"next": here})
    assert response.status_code == 302
    assert response["Location"] == (
        f"{book.get_absolute_url()}?view=candor&sort=recent&stars=&page=3#review-{target.pk}"
    )
    back = client.get(response["Location"]).content.decode()
    assert target.pk in listed_ids(back) and "You found this helpful" in back


def test_helpful_in_most_helpful_follows_the_review_to_its_new_page(
    book: Book, twelve: list[Review], other_user: User
) -> None:
    """With no votes yet "Most helpful" lists by date; a vote lifts the review to page 1."""
    here = f"{book.get_absolute_url()}?sort=helpful&page=3"
    target = twelve[11]
    client = client_for(other_user)
    assert target.pk in listed_ids(client.get(here).content.decode())
    response = client.post(reverse("helpful", args=[target.pk]), {"next": here})
    location = response["Location"]
    assert "sort=helpful" in location and "page=1" in location
    assert location.endswith(f"#review-{target.pk}")
    assert listed_ids(client.get(location).content.decode())[0] == target.pk


def test_helpful_keeps_the_star_filter_and_view(
    book: Book, twelve: list[Review], other_user: User
) -> None:
    target = twelve[7]  # three stars
    here = f"{book.get_absolute_url()}?view=as_posted&sort=recent&stars=3"
    response = client_for(other_user).post(reverse("helpful", args=[target.pk]), {"next": here})
    assert response["Location"] == (
        f"{book.get_absolute_url()}?view=as_posted&sort=recent&stars=3&page=1#review-{target.pk}"
    )


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/books/x/", "//evil.example.com/", "javascript:x"]
)
def test_helpful_never_sends_the_reader_off_site(
    book: Book, twelve: list[Review], other_user: User, next_url: str
) -> None:
    target = twelve[0]
    response = client_for(other_user).post(reverse("helpful", args=[target.pk]), {"next": next_url})
    location = response["Location"]
    assert location.startswith(book.get_absolute_url()) and "evil" not in location
    assert location.endswith(f"#review-{target.pk}")


def test_helpful_without_next_lands_on_the_book_at_the_review(
    book: Book, twelve: list[Review], other_user: User
) -> None:
    target = twelve[2]
    response = client_for(other_user).post(reverse("helpful", args=[target.pk]))
    assert response["Location"] == (
        f"{book.get_absolute_url()}?view=candor&sort=helpful&stars=&page=1#review-{target.pk}"
    )


def test_report_from_page_2_returns_to_page_2(
    book: Book, twelve: list[Review], other_user: User
) -> None:
    here = f"{book.get_absolute_url()}?sort=recent&page=2"
    client = client_for(other_user)
    html = client.get(here).content.decode()
    target = twelve[6]
    report_url = f"{reverse('report', args=[target.pk])}?next="
    assert report_url in html
    form = client.get(reverse("report", args=[target.pk]), {"next": here}).content.decode()
    assert f'name="next" value="{here.replace("&", "&amp;")}"' in form
    response = client.post(
        reverse("report", args=[target.pk]), {"reason": "spam", "note": "", "next": here}
    )
    assert Report.objects.filter(review=target, reporter=other_user).exists()
    assert response["Location"] == (
        f"{book.get_absolute_url()}?view=candor&sort=recent&stars=&page=2#review-{target.pk}"
    )


def test_anonymous_sign_in_link_comes_back_to_the_review(book: Book, twelve: list[Review]) -> None:
    here = f"{book.get_absolute_url()}?sort=recent&page=2"
    html = client_for(None).get(here).content.decode()
    target = twelve[5]
    links = re.findall(r'href="/accounts/login/\?next=([^"]+)">Sign in to vote or report', html)
    assert unquote(links[0]) == f"{here}#review-{target.pk}"


def test_star_bars_and_view_switch_keep_the_sort(book: Book, twelve: list[Review]) -> None:
    html = client_for(None).get(book.get_absolute_url(), {"sort": "recent"}).content.decode()
    assert 'href="?view=candor&amp;sort=recent&amp;stars=4#reviews"' in html
    assert 'href="?view=verified&amp;sort=recent&amp;stars=#rating"' in html


def test_sort_form_applies_on_change_and_keeps_apply_for_no_script(
    book: Book, twelve: list[Review]
) -> None:
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert re.search(r'<form[^>]*class="review-controls"[^>]*data-autosubmit', html)
    assert "data-autosubmit-button>Apply</button>" in html
    assert re.search(r'<script src="[^"]*autosubmit\.js" defer></script>', html)
