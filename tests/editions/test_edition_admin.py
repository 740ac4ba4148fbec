"""Edition links in the admin, by persona: staff attach, split, merge and link ISBN
lists (each recorded); a reader and an anonymous visitor cannot reach any of it."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from candor.catalog.models import Book, EditionChange, Work
from tests.conftest import assert_stored_is_scratch, client_for

pytestmark = pytest.mark.django_db


def fresh(book: Book) -> Book:
    return Book.objects.get(pk=book.pk)


@pytest.fixture
def two_works(make_book: Any, make_user: Any, write: Any) -> tuple[Book, Book]:
    original = make_book("Night Boat", format="hardcover")
    reissue = make_book("Night Boat", format="paperback")
    for i, stars in enumerate([5, 4, 5]):
        write(make_user(f"reader{i}"), original, stars, days_ago=100 - i)
    write(make_user("late"), reissue, 2)
    return original, reissue


def action(client: Client, url: str, name: str, selected: list[int], **form: Any) -> Any:
    data = {"action": name, "_selected_action": selected, **form}
    return client.post(url, data)


BOOKS = "admin:catalog_book_changelist"
WORKS = "admin:catalog_work_changelist"


def test_staff_attach_an_edition_with_a_note_and_it_is_recorded(two_works, staff) -> None:  # type: ignore[no-untyped-def]
    original, reissue = two_works
    client = client_for(staff)
    url = reverse(BOOKS)
    asked = action(client, url, "attach_to_work", [reissue.pk])
    assert asked.status_code == 200
    assert "A link moves ratings" in asked.content.decode()
    refused = action(
        client, url, "attach_to_work", [reissue.pk], apply="1", isbn=original.isbn13, note=""
    )
    assert "This field is required" in refused.content.decode()
    assert fresh(reissue).work_id != fresh(original).work_id
    done = action(
        client,
        url,
        "attach_to_work",
        [reissue.pk],
        apply="1",
        isbn=original.isbn13,
        note="paperback reissue, same text",
    )
    assert done.status_code == 302
    assert fresh(reissue).work_id == fresh(original).work_id
    assert fresh(original).rating_count == 4
    change = EditionChange.objects.get()
    assert (change.by, change.action, change.isbns) == (staff, "attach", [reissue.isbn13])
    assert_stored_is_scratch(original, reissue)
    # The work's page in the admin lists its editions and the link with the ratings moved.
    page = client.get(reverse("admin:catalog_work_change", args=[fresh(original).work_id]))
    html = page.content.decode()
    assert reissue.isbn13 in html and "paperback reissue, same text" in html
    assert "(3) → " in html and "(4)" in html


def test_staff_see_why_an_attach_is_refused(two_works, make_book, staff) -> None:  # type: ignore[no-untyped-def]
    original, _ = two_works
    stranger = make_book("Night Boat", authors=["Not The Author"])
    response = action(
        client_for(staff),
        reverse(BOOKS),
        "attach_to_work",
        [stranger.pk],
        apply="1",
        isbn=original.isbn13,
        note="looks the same",
    )
    assert response.status_code == 200
    assert "shares no credited author" in response.content.decode()
    assert fresh(stranger).rating is None
    assert not EditionChange.objects.exists()


def test_staff_merge_works_and_split_one_off(two_works, staff) -> None:  # type: ignore[no-untyped-def]
    original, reissue = two_works
    client = client_for(staff)
    works = [original.work_id, reissue.work_id]
    merged = action(
        client,
        reverse(WORKS),
        "merge_works",
        works,
        apply="1",
        into=original.work_id,
        note="one novel",
    )
    assert merged.status_code == 302
    assert list(Work.objects.values_list("pk", flat=True)) == [original.work_id]
    assert fresh(reissue).rating_count == 4
    split = action(client, reverse(BOOKS), "split_off", [reissue.pk], apply="1", note="abridged")
    assert split.status_code == 302
    assert fresh(reissue).work_id != original.work_id
    assert fresh(original).rating_count == 3 and fresh(reissue).rating_count == 1
    assert list(EditionChange.objects.order_by("at", "id").values_list("action", flat=True)) == [
        "merge",
        "split",
    ]
    assert_stored_is_scratch(original, reissue)


def test_staff_link_isbn_lists_and_bad_lines_link_nothing(two_works, staff) -> None:  # type: ignore[no-untyped-def]
    original, reissue = two_works
    client = client_for(staff)
    url = reverse("admin:catalog_work_link_isbns")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"lines": f"{original.isbn13} {reissue.isbn13}\n12345", "note": "x"})
    html = bad.content.decode()
    assert "Nothing was linked" in html and "line:2: &#x27;12345&#x27; is not an ISBN" in html
    assert fresh(reissue).work_id != fresh(original).work_id
    good = client.post(url, {"lines": f"{original.isbn13}, {reissue.isbn13}", "note": "same"})
    assert good.status_code == 302
    assert fresh(reissue).work_id == fresh(original).work_id
    assert EditionChange.objects.get().source == "admin:1"


@pytest.mark.parametrize("persona", ["anonymous", "other_user"])
def test_readers_and_visitors_cannot_link(two_works, persona, request) -> None:  # type: ignore[no-untyped-def]
    original, reissue = two_works
    client = client_for(None if persona == "anonymous" else request.getfixturevalue(persona))
    posts = [
        (
            reverse(BOOKS),
            {
                "action": "attach_to_work",
                "_selected_action": [reissue.pk],
                "apply": "1",
                "isbn": original.isbn13,
                "note": "mine",
            },
        ),
        (
            reverse(WORKS),
            {
                "action": "merge_works",
                "apply": "1",
                "into": original.work_id,
                "_selected_action": [original.work_id, reissue.work_id],
                "note": "x",
            },
        ),
        (
            reverse("admin:catalog_work_link_isbns"),
            {"lines": f"{original.isbn13} {reissue.isbn13}", "note": "x"},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert fresh(reissue).work_id != fresh(original).work_id
    assert not EditionChange.objects.exists()


def test_the_audit_trail_is_read_only_even_for_staff(two_works, staff) -> None:  # type: ignore[no-untyped-def]
    original, reissue = two_works
    client = client_for(staff)
    client.post(
        reverse("admin:catalog_work_link_isbns"),
        {"lines": f"{original.isbn13} {reissue.isbn13}", "note": "same"},
    )
    change = EditionChange.objects.get()
    listing = client.get(reverse("admin:catalog_editionchange_changelist"))
    assert listing.status_code == 200 and reissue.isbn13 in listing.content.decode()
    delete = client.post(
        reverse("admin:catalog_editionchange_delete", args=[change.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert EditionChange.objects.filter(pk=change.pk).exists()


def test_deleting_an_edition_rates_its_work_again(two_works, staff) -> None:  # type: ignore[no-untyped-def]
    original, reissue = two_works
    client = client_for(staff)
    client.post(
        reverse("admin:catalog_work_link_isbns"),
        {"lines": f"{original.isbn13} {reissue.isbn13}", "note": "same"},
    )
    assert fresh(original).rating_count == 4
    response = client.post(reverse("admin:catalog_book_delete", args=[reissue.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert fresh(original).rating_count == 3  # the reissue's review went with it
    assert_stored_is_scratch(original)
    work = fresh(original).work_id
    action(client, reverse(BOOKS), "delete_selected", [original.pk], post="yes")
    assert not Book.objects.exists()
    assert not Work.objects.filter(pk=work).exists()
