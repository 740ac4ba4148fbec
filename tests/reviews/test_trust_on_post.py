"""Trust computed the moment a review is posted or edited (its own text), by persona."""

import pytest
from django.urls import reverse

from candor.reviews.models import Review
from candor.reviews.services import ReviewDraft, TrustReason, live_trust, record_trust
from tests.conftest import assert_stored_is_scratch, client_for, stored

pytestmark = pytest.mark.django_db

# Repetitive, generic praise of the kind text generators write.
MACHINE_LIKE = (
    "Love this book! I have read it many times and I will read it again. The characters "
    "are great and the story is great. I highly recommend this book to anyone who loves "
    "a good story. Five stars!"
)
ORDINARY = (
    "Reading this history of the alliance, I kept checking the footnotes: the authors quote "
    "the cables at length, and the chapter on the 1950 talks is slow but worth it."
)


def post(user, book, rating=5, title="", text=""):  # type: ignore[no-untyped-def]
    data = {"action": "submit", "rating": rating, "title": title, "text": text}
    return client_for(user).post(reverse("write_review", args=[book.slug]), data)


def assert_stored_equals_scratch(book) -> None:  # type: ignore[no-untyped-def]
    assert_stored_is_scratch(book)


def test_owner_posting_machine_like_text_gets_less_trust_and_reasons_at_once(
    book, owner, other_user
) -> None:
    post(other_user, book, 4, text=ORDINARY)
    post(owner, book, 5, text=MACHINE_LIKE)
    suspicious = Review.objects.get(user=owner)
    ordinary = Review.objects.get(user=other_user)
    assert suspicious.trust < 1.0 and suspicious.trust < ordinary.trust
    assert [r["code"] for r in suspicious.trust_reasons] == ["generated_text"]
    assert "machine-generated" in suspicious.trust_reasons[0]["text"]
    assert suspicious.trust_scored_at is not None
    # The page's number already counts the review at that trust.
    result = stored(book)
    assert any(f.code == "trust" and f.delta != 0 for f in result.explanation)
    book.refresh_from_db()
    assert book.rating == pytest.approx(result.rating)
    assert_stored_equals_scratch(book)


def test_owner_rewriting_the_text_is_scored_again(book, owner) -> None:
    post(owner, book, 5, text=MACHINE_LIKE)
    flagged = Review.objects.get(user=owner)
    post(owner, book, 5, text=ORDINARY)
    rewritten = Review.objects.get(user=owner)
    assert rewritten.trust > flagged.trust and rewritten.trust_reasons == []
    assert_stored_equals_scratch(book)


def test_an_edit_does_not_shed_what_the_batch_found(book, owner) -> None:
    post(owner, book, 5, text=ORDINARY)
    review = Review.objects.get(user=owner)
    burst = TrustReason("burst", "posted in a burst of 40 five-star reviews in 2 days")
    record_trust(review, 0.05, [burst])
    post(owner, book, 4, text=ORDINARY + " Edited.")
    review.refresh_from_db()
    assert review.trust == 0.05 and [r["code"] for r in review.trust_reasons] == ["burst"]
    post(owner, book, 3, text=ORDINARY + " Edited.")  # only the stars change
    review.refresh_from_db()
    assert review.rating == 3 and review.trust == 0.05
    assert_stored_equals_scratch(book)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Это очень хорошая книга, я рекомендую её всем моим друзьям и коллегам.",
        "这本书非常好\uff0c我很喜欢\u3002",
        "كتاب رائع جدا أنصح الجميع بقراءته",
        "\U0001f600" * 40,
    ],
)
def test_owner_posting_any_script_or_no_text_is_scored_without_error(book, owner, text) -> None:
    response = post(owner, book, 4, text=text)
    assert response.status_code == 302
    review = Review.objects.get(user=owner)
    assert 0.0 <= review.trust <= 1.0
    assert all(r["code"] != "text_truncated" for r in review.trust_reasons)
    assert_stored_equals_scratch(book)


def test_a_text_longer_than_the_model_reads_gets_a_note_not_a_penalty(book, owner, write) -> None:
    title = "An honest long review"
    long_text = ("A careful, specific sentence about the archive material. " * 88)[:5000]
    review = write(owner, book, 4, long_text, title=title)
    assert review.trust_reasons[-1]["code"] == "text_truncated"
    assert "first 5,000 characters" in review.trust_reasons[-1]["text"]
    assert "does not lower trust" in review.trust_reasons[-1]["text"]
    # The same characters, short enough to be read whole: the same trust, no note.
    beginning = f"{title}\n{long_text}"[:5000]
    trust, reasons = live_trust(ReviewDraft(4, "", beginning))
    assert review.trust == trust and all(r.code != "text_truncated" for r in reasons)


def test_a_megabyte_of_text_is_analysed_on_its_beginning_with_a_note() -> None:
    # The form and the database refuse more than 5,000 characters; the live scorer
    # itself must still cope with anything it is handed.
    trust, reasons = live_trust(ReviewDraft(5, "Title", "word " * 200_000))
    assert 0.0 <= trust <= 1.0
    assert [reason.code for reason in reasons][-1] == "text_truncated"
