"""Staff back the site up with `candor export` and restore it elsewhere: the same numbers."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from candor.catalog.models import Book
from candor.exports.tables import exported_models
from candor.reviews import store
from candor.reviews.models import CataloguePrior, HelpfulVote, Report, Review
from candor.reviews.services import (
    TrustReason,
    hide_review,
    override_trust,
    record_order,
    record_trust,
    report_review,
    vote_helpful,
)
from tests.conftest import PASSWORD, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(book, make_book, owner, other_user, staff, make_user, write) -> None:
    """A small site with every kind of state a review can be in."""
    second = make_book("A Second Book", authors=["Bo Writer"])
    make_book("Nobody Rated Me")
    record_order(owner, book, timezone.localdate() - timedelta(days=900), "shop")
    kept = write(owner, book, 5, "Kept.", days_ago=800, title="Good")
    doubted = write(other_user, book, 1, "Doubted.", days_ago=40)
    hidden = write(make_user("third"), book, 2, "Hidden.", days_ago=10)
    write(owner, second, 4, "Fine.", days_ago=400)
    overridden = write(other_user, second, 3, "Overridden.", days_ago=2)
    vote_helpful(other_user, kept)
    vote_helpful(staff, kept)
    report_review(owner, doubted, "fake", "Looks paid.")
    record_trust(doubted, 0.3, [TrustReason("burst", "posted in a burst of one-star reviews")])
    override_trust(overridden, staff, 0.6, "checked by hand")
    hide_review(hidden, by=staff, reason="off topic")
    store.rebuild()  # a catalogue prior from these reviews, as a restore computes it


def numbers() -> dict[str, object]:
    """Everything a book page shows about ratings, for every book and view."""
    shown: dict[str, object] = {}
    for book in Book.objects.order_by("isbn13"):
        for view in ("candor", "as_posted", "verified"):
            result = stored(book, view=view)
            shown[f"{book.isbn13}/{view}"] = (
                result.rating,
                result.count,
                result.stars,
                result.interval,
            )
        shown[f"{book.isbn13}/stored"] = (book.rating, book.rating_count)
    return shown


def empty_the_database() -> None:
    CataloguePrior.objects.all().delete()
    for model in reversed(exported_models()):
        model._default_manager.all().delete()
    cache.clear()


@pytest.mark.parametrize("name", ["backup.jsonl", "backup.jsonl.gz", "backup.parquet", "folder"])
def test_restore_into_an_empty_database_shows_the_same_numbers(site, tmp_path, name) -> None:
    before = numbers()
    reviews_before = list(Review.objects.order_by("pk").values())
    path = tmp_path / name
    call_command("export", str(path))
    empty_the_database()
    assert not Book.objects.exists()
    call_command("restore", str(path))
    after = numbers()
    stored = {key for key in before if key.endswith("/stored")}
    assert {k: v for k, v in after.items() if k not in stored} == {
        k: v for k, v in before.items() if k not in stored
    }
    for key in stored:  # the rating stored on the book for listings: fresh, same count
        isbn = key.split("/")[0]
        rating, count = after[key]  # type: ignore[misc]
        assert count == before[key][1]  # type: ignore[index]
        assert rating == pytest.approx(after[f"{isbn}/candor"][0], abs=1e-9)  # type: ignore[index]
    assert list(Review.objects.order_by("pk").values()) == reviews_before
    hidden = Review.objects.get(hidden=True)
    assert hidden.hidden_reason == "off topic" and hidden.hidden_by.username == "staff"
    assert Review.objects.get(trust_override=0.6).trust_override_note == "checked by hand"
    assert HelpfulVote.objects.count() == 2 and Report.objects.count() == 1


def test_export_holds_trust_weights_and_moderation_state(site, tmp_path) -> None:
    path = tmp_path / "backup.jsonl"
    call_command("export", str(path))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["manifest"]["format"] == "candor-backup"
    reviews = [line["row"] for line in lines[1:] if line["table"] == "reviews.review"]
    assert len(reviews) == 5
    hidden = next(r for r in reviews if r["hidden"])
    assert hidden["weight"] == 0.0 and hidden["hidden_reason"] == "off topic"
    doubted = next(r for r in reviews if r["trust"] == 0.3)
    assert doubted["trust_reasons"][0]["code"] == "burst"
    assert 0 < doubted["weight"] < 0.3
    overridden = next(r for r in reviews if r["trust_override"] is not None)
    assert overridden["effective_trust"] == 0.6
    users = [line["row"] for line in lines[1:] if line["table"] == "auth.user"]
    assert users and all("password" not in user for user in users)


def test_restore_refuses_a_database_that_is_not_empty(site, tmp_path) -> None:
    path = tmp_path / "backup.jsonl"
    call_command("export", str(path))
    reviews = Review.objects.count()
    with pytest.raises(CommandError, match=r"the database is not empty \(.*catalog.book"):
        call_command("restore", str(path))
    assert Review.objects.count() == reviews


def test_restore_refuses_what_is_not_a_backup(tmp_path, db) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(CommandError, match="not a Candor backup"):
        call_command("restore", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "absent.parquet"))


def test_restored_accounts_sign_in_only_when_hashes_were_exported(site, tmp_path) -> None:
    plain, hashed = tmp_path / "plain.jsonl", tmp_path / "hashed.parquet"
    call_command("export", str(plain))
    call_command("export", str(hashed), "--with-password-hashes")
    empty_the_database()
    call_command("restore", str(plain))
    assert not User.objects.get(username="owner").has_usable_password()
    empty_the_database()
    call_command("restore", str(hashed))
    assert User.objects.get(username="owner").check_password(PASSWORD)
    # New rows get fresh ids after the restored ones.
    assert User.objects.create(username="newcomer").pk > User.objects.get(username="owner").pk
