"""A shop loads Amazon Reviews 2023 files: items become books, reviews keep votes and badges."""

import gzip
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from candor.catalog.models import Book
from candor.importers.amazon import AmazonReviewsImporter
from candor.reviews.models import Review
from tests.conftest import assert_stored_is_scratch

pytestmark = pytest.mark.django_db


def import_amazon(path: Path, *args: str) -> None:
    call_command("import", "amazon", str(path), *args)


def assert_stored_state_equals_rebuild(affected: list[Book] | None = None) -> None:
    """The affected books' (by default every book's) stored ratings equal a recompute
    from their reviews."""
    assert_stored_is_scratch(*(affected if affected is not None else Book.objects.all()))


def test_items_then_reviews_make_books_and_reviews_with_votes_and_badges(files, capsys) -> None:
    import_amazon(files["items"])
    out, err = capsys.readouterr()
    assert "4 rows read: 3 created" in out and "1 rejected" in out
    assert "amazon_items.jsonl:3: details.ISBN 13: no ISBN for B00TESTK02" in err
    quixote = Book.objects.get(isbn13="9780143039433")
    assert (quixote.title, quixote.asin, quixote.pages, quixote.year) == (
        "Don Quixote",
        "0143039431",
        1072,
        2006,
    )
    assert quixote.publisher.name == "Penguin Classics"
    assert [c.person.name for c in quixote.contributions.all()] == ["Miguel de Cervantes"]
    kindle = Book.objects.get(asin="B00TESTK01")
    assert kindle.isbn13 == "9780679722328" and kindle.price is None
    shelf = Book.objects.get(isbn13="9780393309409")  # ISBN from the ASIN itself
    assert [c.person.name for c in shelf.contributions.all()] == ["Jane Doe"]

    import_amazon(files["reviews"], "--count-verified")
    out, _ = capsys.readouterr()
    assert "10 rows read: 4 created" in out
    first = Review.objects.get(external_id="amazon:AFIXTUREUSERAAAA:0143039431:1600000000000")
    assert (first.rating, first.helpful_count, first.verified_purchase) == (5, 3, True)
    assert first.created_at.year == 2020
    second = Review.objects.get(user__username="amazon-AFIXTUREUSERBBBB")
    assert (second.rating, second.verified_purchase) == (2, False)
    quixote.refresh_from_db()
    assert quixote.rating_count == 2 and quixote.rating is not None


def test_every_bad_review_row_is_reported_with_line_field_reason_and_saved_to_rejects(
    files, capsys
) -> None:
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    _, err = capsys.readouterr()
    path = str(files["reviews"])
    expected = {
        (5, "parent_asin"): "no book with ASIN B00TESTK02",
        (6, "rating"): "out of range",
        (7, "line"): "not JSON",
        (8, "review"): "already has a review of this book",
        (9, "user_id"): "missing",
        (10, "text"): "null character",
    }
    for (line, field), reason in expected.items():
        assert f"{path}:{line}: {field}: " in err and reason in err
    rejects = [
        json.loads(line)
        for line in Path(path + ".rejects.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {(r["line"], r["field"]) for r in rejects} == set(expected)
    assert all(r["file"] == path and r["reason"] for r in rejects)


def test_importing_the_same_files_twice_changes_nothing(files, capsys) -> None:
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    before = list(Review.objects.order_by("pk").values())
    books_before = list(Book.objects.order_by("pk").values())
    users_before = User.objects.count()
    capsys.readouterr()
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    out, _ = capsys.readouterr()
    assert "4 rows read: 0 created, 3 already present, 1 rejected, 0 updated" in out
    assert "10 rows read: 0 created, 4 already present, 6 rejected, 0 updated" in out
    assert list(Review.objects.order_by("pk").values()) == before
    assert list(Book.objects.order_by("pk").values()) == books_before
    assert User.objects.count() == users_before


def test_reimport_with_changed_rows_updates_reviews_books_and_ratings(
    files, tmp_path, capsys
) -> None:
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    quixote = Book.objects.get(asin="0143039431")
    rating_before = quixote.rating
    changed = tmp_path / "changed.jsonl"
    rows = [json.loads(line) for line in files["reviews"].read_text().splitlines()[:2]]
    rows[1]["rating"], rows[1]["helpful_vote"] = 5.0, 7
    changed.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    capsys.readouterr()
    import_amazon(changed)
    assert "2 rows read: 0 created, 1 already present, 0 rejected, 1 updated" in (
        capsys.readouterr().out
    )
    review = Review.objects.get(user__username="amazon-AFIXTUREUSERBBBB")
    assert (review.rating, review.helpful_count) == (5, 7)
    quixote.refresh_from_db()
    assert quixote.rating > rating_before
    assert_stored_state_equals_rebuild([quixote])


def test_stored_rating_state_equals_recomputing_from_scratch_after_import(files) -> None:
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    assert Book.objects.filter(rating__isnull=False).exists()
    assert_stored_state_equals_rebuild()


def test_bulk_import_in_small_batches_keeps_a_readers_own_review_in_the_state(
    files, monkeypatch, write, make_user
) -> None:
    """Batch by batch, each batch's books are re-rated in its transaction: the result
    equals a recompute, counting the review a reader posted on the site."""
    import_amazon(files["items"])
    quixote = Book.objects.get(asin="0143039431")
    write(make_user("owner"), quixote, 2, days_ago=400)
    monkeypatch.setattr(AmazonReviewsImporter, "batch_size", 2)
    import_amazon(files["reviews"])
    quixote.refresh_from_db()
    assert quixote.rating_count == Review.objects.filter(book=quixote, hidden=False).count() > 1
    assert_stored_state_equals_rebuild()


def test_hidden_review_stays_hidden_and_out_of_the_rating_on_reimport(files, staff) -> None:
    from candor.reviews.services import hide_review

    import_amazon(files["items"])
    import_amazon(files["reviews"])
    review = Review.objects.get(user__username="amazon-AFIXTUREUSERBBBB")
    hide_review(review, by=staff)
    changed = files["reviews"].with_name("again.jsonl")
    row = json.loads(files["reviews"].read_text().splitlines()[1])
    row["rating"] = 4.0
    changed.write_text(json.dumps(row) + "\n")
    import_amazon(changed)
    review.refresh_from_db()
    assert review.hidden and review.rating == 4
    assert_stored_state_equals_rebuild([review.book])


def test_gzip_files_are_accepted(files, tmp_path, capsys) -> None:
    for name, path in files.items():
        packed = tmp_path / f"{name}.jsonl.gz"
        packed.write_bytes(gzip.compress(path.read_bytes()))
        import_amazon(packed)
    assert Review.objects.count() == 4 and Book.objects.count() == 3


def test_reviewers_become_accounts_nobody_can_sign_in_to(files) -> None:
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    reviewers = User.objects.filter(username__startswith="amazon-")
    assert reviewers.count() == 3
    assert not any(user.is_active or user.has_usable_password() for user in reviewers)


def test_invalid_utf8_and_null_bytes_reject_only_their_lines(files, tmp_path, capsys) -> None:
    import_amazon(files["items"])
    lines = files["reviews"].read_bytes().splitlines(keepends=True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(
        lines[0] + b'{"rating": 4.0, "title": "\xff\xfe"}\n' + b"\x00\x00\n" + lines[1]
    )
    capsys.readouterr()
    import_amazon(damaged)
    out, err = capsys.readouterr()
    assert "4 rows read: 2 created" in out
    assert f"{damaged}:2: file: not UTF-8 text (byte 27 of the line)" in err
    assert f"{damaged}:3: file: null byte at byte 1 of the line" in err


def test_strict_stops_at_the_first_bad_row_and_saves_nothing(files) -> None:
    import_amazon(files["items"])
    with pytest.raises(CommandError, match=r"amazon_reviews.jsonl:5: parent_asin: no book"):
        import_amazon(files["reviews"], "--strict")
    assert not Review.objects.exists()
    assert not User.objects.filter(username__startswith="amazon-").exists()


def test_a_failing_batch_leaves_nothing_half_written_and_keeps_earlier_batches(
    files, second_batch_fails
) -> None:
    import_amazon(files["items"])
    with pytest.raises(RuntimeError):
        import_amazon(files["reviews"])
    # The first batch (lines 1-2) is stored with its rating; the second left no trace.
    assert Review.objects.count() == 2
    assert not User.objects.filter(username="amazon-AFIXTUREUSERCCCC").exists()
    # The first batch's book has its rating stored, though a later batch failed.
    assert_stored_state_equals_rebuild([Book.objects.get(asin="0143039431")])


def test_a_file_that_is_neither_reviews_nor_items_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": "world"}\n')
    with pytest.raises(CommandError, match="neither Amazon reviews"):
        import_amazon(path)


def test_votes_cast_on_candor_are_kept_when_the_source_is_imported_again(
    files, tmp_path, make_user, capsys
) -> None:
    from candor.reviews.services import vote_helpful

    import_amazon(files["items"])
    import_amazon(files["reviews"])
    review = Review.objects.get(external_id="amazon:AFIXTUREUSERAAAA:0143039431:1600000000000")
    vote_helpful(make_user("reader"), review)
    capsys.readouterr()
    import_amazon(files["reviews"])
    assert "0 created, 4 already present" in capsys.readouterr().out
    review.refresh_from_db()
    assert review.helpful_count == 3 + 1
    changed = tmp_path / "more_votes.jsonl"
    row = json.loads(files["reviews"].read_text().splitlines()[0])
    row["helpful_vote"] = 10
    changed.write_text(json.dumps(row) + "\n")
    import_amazon(changed)
    review.refresh_from_db()
    assert review.helpful_count == 10 + 1
    assert_stored_state_equals_rebuild([review.book])


def test_a_review_repeated_in_one_file_is_stored_once_with_its_last_values(
    files, tmp_path, capsys
) -> None:
    import_amazon(files["items"])
    first = json.loads(files["reviews"].read_text().splitlines()[0])
    edited = {**first, "rating": 1.0, "title": "Changed my mind"}
    repeated = tmp_path / "repeated.jsonl"
    repeated.write_text("\n".join(json.dumps(row) for row in (first, first, edited)) + "\n")
    capsys.readouterr()
    import_amazon(repeated)
    assert "3 rows read: 1 created, 1 already present, 0 rejected, 1 updated" in (
        capsys.readouterr().out
    )
    review = Review.objects.get()
    assert (review.rating, review.title) == (1, "Changed my mind")
    assert_stored_state_equals_rebuild([review.book])


def test_titles_and_texts_are_stored_exactly_whatever_characters_they_hold(files, tmp_path) -> None:
    """Rows reach PostgreSQL as COPY text written by Candor: its escapes must hold."""
    import_amazon(files["items"])
    row = json.loads(files["reviews"].read_text().splitlines()[0])
    row["title"] = "Tab\there, back\\slash \\N and \\t"
    row["text"] = "Line one\nline two\r\nthird\tcolumn \\ end: ünïcödé ✓ 📚"
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps(row) + "\n")
    import_amazon(odd, "--count-verified")
    review = Review.objects.get()
    assert (review.title, review.text) == (row["title"], row["text"])
    assert review.created_at.timestamp() * 1000 == row["timestamp"]
    assert (review.verified_purchase, review.helpful_count, review.trust) == (True, 3, 1.0)


def test_a_files_verified_flags_weigh_nothing_unless_the_operator_counts_them(files) -> None:
    """By default a review from a file is verified only by orders recorded in Candor:
    the same file imported again with --count-verified makes its flagged reviews verified."""
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    assert not Review.objects.filter(verified_purchase=True).exists()
    import_amazon(files["reviews"], "--count-verified")
    first = Review.objects.get(external_id="amazon:AFIXTUREUSERAAAA:0143039431:1600000000000")
    assert first.verified_purchase
