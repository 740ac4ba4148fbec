"""Every place that shows user text, fed the shared hostile inputs: shown literally or refused.

Never a 500, never live markup. The inputs live in tests/security/hostile_inputs.py for other
tests to reuse.
"""

import html
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from candor.accounts.models import Profile
from candor.reviews.models import Review
from tests.conftest import PASSWORD, client_for
from tests.security.hostile_inputs import (
    HOSTILE_TEXTS,
    LONG_TEXT,
    NULL_BYTE,
    SHOWABLE_TEXTS,
    assert_shown_literally,
)

pytestmark = pytest.mark.django_db

REVIEW_TEXT_LIMIT = 5000
TITLE_LIMIT = 150


def refused_with_a_message(response) -> bool:  # type: ignore[no-untyped-def]
    """A 200 re-showing the form with each validation error on the page."""
    form = response.context.get("form") if response.context else None
    if response.status_code != 200 or form is None or not form.errors:
        return False
    page = response.content.decode()
    return all(
        html.escape(message) in page for messages in form.errors.values() for message in messages
    )


def test_owner_posting_hostile_review_text_sees_it_literally_or_refused(book, owner) -> None:
    client = client_for(owner)
    url = reverse("write_review", args=[book.slug])
    for text in HOSTILE_TEXTS:
        title = text if len(text) <= TITLE_LIMIT else "Title"
        data = {"rating": "3", "title": title, "text": text, "action": "submit"}
        response = client.post(url, data)
        if NULL_BYTE in text or len(text) > REVIEW_TEXT_LIMIT:
            assert refused_with_a_message(response), text[:40]
            continue
        assert response.status_code == 302, text[:40]
        for page in (book.get_absolute_url(), reverse("profile", args=["owner"])):
            html = client.get(page).content.decode()
            assert_shown_literally(html, text)
            assert_shown_literally(html, title)


def test_preview_of_hostile_text_is_escaped_and_saves_nothing(book, owner) -> None:
    client = client_for(owner)
    url = reverse("write_review", args=[book.slug])
    for text in SHOWABLE_TEXTS:
        data = {"rating": "2", "title": text, "text": text, "action": "preview"}
        response = client.post(url, data)
        assert response.status_code == 200
        assert_shown_literally(response.content.decode(), text)
    assert not Review.objects.exists()


def test_null_bytes_and_over_long_review_fields_are_refused_by_name(book, owner) -> None:
    client = client_for(owner)
    url = reverse("write_review", args=[book.slug])
    for field, value in [("title", NULL_BYTE), ("text", NULL_BYTE), ("title", "t" * 151)]:
        data = {"rating": "3", "title": "ok", "text": "ok", "action": "submit", field: value}
        response = client.post(url, data)
        assert refused_with_a_message(response), field
        assert response.context["form"].errors[field]
    response = client.post(url, {"rating": "3", "text": LONG_TEXT, "action": "submit"})
    assert "at most 5" in response.content.decode() or "5,000" in response.content.decode()
    assert not Review.objects.exists()


def test_anonymous_signing_up_with_a_hostile_display_name(book, write) -> None:
    for n, name in enumerate(HOSTILE_TEXTS):
        client = Client()
        response = client.post(
            reverse("signup"),
            {
                "username": f"reader{n}",
                "email": f"reader{n}@example.com",
                "display_name": name,
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        if NULL_BYTE in name or len(name) > 80:
            assert refused_with_a_message(response), name[:40]
            assert not User.objects.filter(username=f"reader{n}").exists()
            continue
        assert response.status_code == 302, name[:40]
        user = User.objects.get(username=f"reader{n}")
        write(user, book, 4, "words")
        for page in (reverse("profile", args=[user.username]), book.get_absolute_url()):
            assert_shown_literally(client.get(page).content.decode(), name)


def test_hostile_profile_bio_is_shown_literally(owner) -> None:
    for bio in SHOWABLE_TEXTS:
        Profile.objects.filter(user=owner).update(bio=bio)
        html = Client().get(reverse("profile", args=["owner"])).content.decode()
        assert_shown_literally(html, bio)


def test_search_box_echoes_hostile_queries_literally(book) -> None:
    client = Client()
    for query in HOSTILE_TEXTS:
        response = client.get(reverse("search"), {"q": query})
        assert response.status_code in (200, 400), query[:40]
        if response.status_code == 200 and NULL_BYTE not in query and len(query) <= 150:
            assert_shown_literally(response.content.decode(), query)


def test_hostile_usernames_in_profile_urls_are_404_or_400_not_500() -> None:
    client = Client()
    for name in ["<script>", "..%2F..%2Fetc%2Fpasswd", "a" * 5000, "\u202e", "x%00y"]:
        assert client.get(f"/users/{name}/").status_code == (400 if "%00" in name else 404)


def test_null_characters_in_any_address_get_a_400_with_a_reason(book) -> None:
    client = Client()
    for url in ["/search/?q=a%00b", f"{book.get_absolute_url()}?stars=%00", "/users/%00/"]:
        response = client.get(url)
        assert response.status_code == 400 and b"null character" in response.content
    response = client.get("/api/v1/books", {"q": "a\x00b"})
    assert response.status_code == 400 and "null character" in response.json()["error"]["message"]


def test_api_returns_hostile_text_exactly_as_json_data(book, owner, write) -> None:
    client = Client()
    for text in SHOWABLE_TEXTS:
        book.title = text
        book.save()
        response = client.get(f"/api/v1/books/{book.slug}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["title"] == text
    for query in HOSTILE_TEXTS:
        response = client.get("/api/v1/books", {"q": query})
        assert response.status_code in (200, 400, 422), query[:40]
        json.loads(response.content)


@pytest.mark.parametrize(
    ("url_name", "fields"),
    [
        ("login", ["username", "password"]),
        ("password_reset", ["email"]),
        ("signup", ["username", "email", "display_name", "password1"]),
    ],
)
def test_anonymous_typing_hostile_text_into_account_forms_gets_a_page(url_name, fields) -> None:
    client = Client(REMOTE_ADDR="198.51.100.77")
    for text in HOSTILE_TEXTS:
        data = dict.fromkeys(fields, text)
        response = client.post(reverse(url_name), data)
        assert response.status_code in (200, 302, 429), (url_name, text[:40])
    assert not User.objects.exists()


def test_other_user_reporting_with_hostile_notes(book, owner, other_user, write) -> None:
    review = write(owner, book, 2, "words")
    client = client_for(other_user)
    for text in HOSTILE_TEXTS:
        response = client.post(
            reverse("report", args=[review.pk]), {"reason": "spam", "note": text}
        )
        assert response.status_code in (200, 302), text[:40]


def test_owner_naming_api_tokens_with_hostile_text(owner) -> None:
    client = client_for(owner)
    for text in HOSTILE_TEXTS:
        response = client.post(reverse("create_api_token"), {"name": text})
        assert response.status_code == 200, text[:40]
        if NULL_BYTE not in text and len(text) <= 80:
            html = client.get(reverse("api_tokens")).content.decode()  # listed there
            assert_shown_literally(html, text)
