"""Editors write, preview and publish in the admin."""

from typing import Any

from django.contrib.auth.models import User

from candor.essays.models import Essay, Reviewer
from tests.conftest import client_for


def add_form(reviewer: Reviewer, book: Any, **fields: str) -> dict[str, Any]:
    data = {
        "title": "",
        "slug": "",
        "reviewer": str(reviewer.pk),
        "books": [str(book.pk)],
        "published_on": "2024-03-05",
        "status": "draft",
        "summary": "",
        "body_markdown": "A *first* draft with a note.[^1]\n\n[^1]: The note.",
        "tags": [],
    }
    data.update(fields)
    return data


def test_staff_writes_a_draft_then_previews_and_publishes_it(
    staff: User, reviewer: Reviewer, book: Any
) -> None:
    client = client_for(staff)
    response = client.post("/admin/essays/essay/add/", add_form(reviewer, book))
    assert response.status_code == 302
    essay = Essay.objects.get()
    assert essay.title == "Review \u2013 Uncertain Partners"
    assert essay.status == Essay.Status.DRAFT
    assert "<em>first</em>" in essay.body_html
    assert list(essay.books.all()) == [book]

    change = client.get(f"/admin/essays/essay/{essay.pk}/change/").content.decode()
    assert "<em>first</em>" in change  # the stored, rendered preview
    assert essay.get_absolute_url() in change
    assert client.get(essay.get_absolute_url()).status_code == 200
    assert client_for(None).get(essay.get_absolute_url()).status_code == 404

    response = client.post(
        "/admin/essays/essay/",
        {"action": "publish_selected", "_selected_action": [str(essay.pk)]},
    )
    assert response.status_code == 302
    essay.refresh_from_db()
    assert essay.is_published
    assert client_for(None).get(essay.get_absolute_url()).status_code == 200


def test_slug_cannot_be_changed_after_creation(staff: User, reviewer: Reviewer, book: Any) -> None:
    client = client_for(staff)
    client.post("/admin/essays/essay/add/", add_form(reviewer, book, title="Allies at Odds"))
    essay = Essay.objects.get()
    url = essay.get_absolute_url()
    form = add_form(reviewer, book, title="Renamed", slug="renamed", published_on="2025-01-01")
    response = client.post(f"/admin/essays/essay/{essay.pk}/change/", form)
    assert response.status_code == 302
    essay.refresh_from_db()
    assert essay.title == "Renamed"
    assert essay.get_absolute_url() == url == "/essays/2024/03/05/allies-at-odds/"


def test_save_and_preview_shows_the_draft_page(staff: User, reviewer: Reviewer, book: Any) -> None:
    client = client_for(staff)
    form = add_form(reviewer, book, title="Allies at Odds")
    response = client.post("/admin/essays/essay/add/", {**form, "_preview": "1"})
    essay = Essay.objects.get()
    assert response.status_code == 302
    assert response["Location"] == essay.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "Draft: visible to staff only." in page and "<em>first</em>" in page
    assert (
        "Save and preview the page"
        in client.get(f"/admin/essays/essay/{essay.pk}/change/").content.decode()
    )
