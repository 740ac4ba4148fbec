"""API tokens (shown once, stored hashed, revocable, on their own settings page) and
own-review downloads."""

import csv
import hashlib
import io
import json

import pytest

from candor.accounts.models import ApiToken
from candor.reviews.services import hide_review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_tokens_live_on_their_settings_page_not_on_the_public_profile(owner, other_user) -> None:
    client = client_for(owner)
    client.post("/accounts/tokens/", {"name": "shop sync"})
    assert "shop sync" in client.get("/accounts/settings/tokens/").content.decode()
    assert "/accounts/reviews.csv" in client.get("/accounts/settings/data/").content.decode()
    for viewer in (owner, other_user, None):
        page = client_for(viewer).get("/users/owner/").content.decode()
        assert "shop sync" not in page and "Create token" not in page
        assert "/accounts/reviews.csv" not in page


def test_owner_creates_a_token_shown_once_and_stored_hashed(owner, book, api_as) -> None:
    client = client_for(owner)
    page = client.post("/accounts/tokens/", {"name": "shop sync"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=owner)
    raw = page.context["raw"]
    assert raw in page.content.decode() and raw.startswith(token.prefix)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest() and raw not in token.digest
    tokens_page = client.get("/accounts/settings/tokens/").content.decode()
    assert "shop sync" in tokens_page and raw not in tokens_page
    response = client_for(None).post(
        f"/api/v1/books/{book.slug}/reviews",
        data=json.dumps({"rating": 5}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201 and response.json()["user"] == "owner"


def test_empty_token_name_is_refused(owner) -> None:
    page = client_for(owner).post("/accounts/tokens/", {"name": "  "})
    assert page.status_code == 200 and not ApiToken.objects.exists()


def test_owner_revokes_a_token_and_it_stops_working(owner, book) -> None:
    client = client_for(owner)
    raw = client.post("/accounts/tokens/", {"name": "old"}).context["raw"]
    token = ApiToken.objects.get(user=owner)
    revoked = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302 and revoked["Location"] == "/accounts/settings/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = client_for(None).post(
        f"/api/v1/books/{book.slug}/reviews",
        data=json.dumps({"rating": 5}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 401


def test_other_user_cannot_revoke_someone_elses_token(owner, other_user) -> None:
    client_for(owner).post("/accounts/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=owner)
    client_for(other_user).post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/tokens/",
        "/accounts/settings/tokens/",
        "/accounts/reviews.csv",
        "/accounts/reviews.json",
    ],
)
def test_anonymous_is_sent_to_sign_in(path) -> None:
    response = client_for(None).get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_anonymous_cannot_revoke(owner) -> None:
    client_for(owner).post("/accounts/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=owner)
    response = client_for(None).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.fixture
def reviews_of_two_users(book, make_book, owner, other_user, staff, write):
    second = make_book("Second Book")
    mine = [
        write(owner, book, 5, 'Line one,\nline two "quoted"', title="Mine", days_ago=3),
        write(owner, second, 2, "Hidden later", title="Gone"),
    ]
    hide_review(mine[1], by=staff)
    write(other_user, book, 1, "Not the owner's", title="Theirs")
    return mine


def test_owner_downloads_only_their_reviews_as_csv(owner, reviews_of_two_users) -> None:
    response = client_for(owner).get("/accounts/reviews.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="candor-reviews-owner.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["title"] for row in rows] == ["Mine", "Gone"]
    assert rows[0]["text"] == 'Line one,\nline two "quoted"' and rows[0]["rating"] == "5"
    assert rows[0]["isbn13"] == "9780804721158" and rows[1]["hidden"] == "true"


def test_owner_downloads_only_their_reviews_as_json(owner, reviews_of_two_users) -> None:
    response = client_for(owner).get("/accounts/reviews.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    reviews = json.loads(response.content)["reviews"]
    assert [(r["title"], r["rating"], r["hidden"]) for r in reviews] == [
        ("Mine", 5, False),
        ("Gone", 2, True),
    ]
    assert reviews[0]["review_id"] == reviews_of_two_users[0].pk
    assert reviews[0]["book_title"].startswith("Uncertain Partners")


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_owner_csv_cells_never_start_a_spreadsheet_formula(owner, book, write, text) -> None:
    write(owner, book, 4, text, title=text)
    rows = list(
        csv.DictReader(io.StringIO(client_for(owner).get("/accounts/reviews.csv").content.decode()))
    )
    assert rows[0]["text"] == "'" + text and rows[0]["title"] == "'" + text
    reviews = json.loads(client_for(owner).get("/accounts/reviews.json").content)["reviews"]
    assert reviews[0]["text"] == text  # the JSON keeps the text exactly
