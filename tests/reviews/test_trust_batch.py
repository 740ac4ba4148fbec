"""`candor trust`: the batch run over the web database, with a planted campaign."""

import io
import random

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from candor.reviews.models import Review
from candor.reviews.services import override_trust
from tests.conftest import assert_stored_is_scratch, client_for, stored

pytestmark = pytest.mark.django_db

SENTENCES = [
    "The chapter on the negotiations is the strongest part.",
    "I learned a great deal about the archives they used.",
    "Some passages are dry, but the argument holds together.",
    "The maps helped me follow the campaign.",
    "It took me a month to finish, reading a little each evening.",
    "The translation of the cables reads naturally.",
    "I would have liked more on the economic side.",
    "My book club argued about the conclusion for an hour.",
    "The footnotes are worth reading on their own.",
    "A second edition with an index would help.",
]
# Words for each honest review's own sentence, so honest texts are not near-duplicates.
VOCABULARY = [
    "archive",
    "cable",
    "winter",
    "treaty",
    "general",
    "border",
    "river",
    "memo",
    "envoy",
    "harbour",
    "railway",
    "delegate",
    "famine",
    "rumour",
    "telegram",
    "cipher",
    "summit",
    "armistice",
    "garrison",
    "province",
    "interpreter",
    "ledger",
    "dispatch",
    "frontier",
    "convoy",
    "banquet",
]
CAMPAIGN = "Absolutely {0} book, a must read for everyone, five stars from me and my {1}!"
WORDS = ["wonderful", "amazing", "fantastic", "brilliant", "superb"]
WHO = ["family", "friends", "colleagues", "neighbours", "class"]


@pytest.fixture
def shop(book, make_book, make_user, write):  # type: ignore[no-untyped-def]
    """Eighteen honest readers each reviewing two of four books over two years, and on
    ``book`` a burst of 24 near-identical five-star reviews from fresh accounts in one
    day. (A closed club whose members all reviewed the same few books, and who disagree
    with everyone else on them, is what a small pool of accounts looks like: the dense
    group signal lowers it, candor/trust/METHOD.md says so.)"""
    rng = random.Random(4)
    books = [book, *(make_book(title) for title in ("A Second", "A Third", "A Fourth"))]
    for i in range(18):
        reader = make_user(f"reader{i}")
        for target in [book, rng.choice(books[1:])] if i % 2 else rng.sample(books[1:], 2):
            own = " ".join(rng.choices(VOCABULARY, k=14)).capitalize() + "."
            text = " ".join([*rng.sample(SENTENCES, 2), own])
            write(
                reader, target, rng.choice([2, 3, 3, 4, 4, 5]), text, days_ago=rng.randint(20, 700)
            )
    fakes = []
    for i in range(24):
        text = CAMPAIGN.format(WORDS[i % 5], WHO[(i // 5) % 5])
        fakes.append(write(make_user(f"fresh{i}", joined_days_ago=0), book, 5, text, days_ago=0))
    return {"books": books, "fakes": fakes}


def run_trust() -> str:
    out = io.StringIO()
    call_command("trust", stdout=out)
    return out.getvalue()


def assert_stored_equals_scratch(book) -> None:  # type: ignore[no-untyped-def]
    assert_stored_is_scratch(book)


def test_batch_down_weights_the_campaign_and_the_page_explains_it(book, shop) -> None:
    before = stored(book).rating
    summary = run_trust()
    fake_ids = {review.pk for review in shop["fakes"]}
    fakes = Review.objects.filter(pk__in=fake_ids)
    honest = Review.objects.exclude(pk__in=fake_ids)
    assert max(r.trust for r in fakes) < 0.5 < min(r.trust for r in honest)
    codes = {reason["code"] for review in fakes for reason in review.trust_reasons}
    assert {"burst", "copied_text", "new_account"} <= codes
    assert all(r.trust_scored_at is not None for r in Review.objects.all())
    assert f"{Review.objects.count()} reviews scored" in summary
    downweighted = sum(r.trust < 0.9 for r in Review.objects.all())
    assert f"{downweighted} down-weighted (trust below 0.9): " in summary
    assert "burst 24" in summary and "new_account 24" in summary, summary
    assert "copied_text" in summary, summary
    after = stored(book).rating
    assert after <= before + 1e-9  # live trust already discounted the fresh accounts
    # The fakes' five stars count far less: the rating sits near the honest readers'
    # average (the prior's five ratings pull a little), far from the plain average.
    stars = [r.rating for r in honest.filter(book=book)]
    everyone = [r.rating for r in book.reviews.all()]
    assert after - sum(stars) / len(stars) < 0.5 and sum(everyone) / len(everyone) - after > 0.8
    book.refresh_from_db()
    assert book.rating == pytest.approx(after)
    for each in shop["books"]:
        assert_stored_equals_scratch(each)

    page = client_for(None).get(reverse("rating_explanation", args=[book.slug])).content.decode()
    shown = sum(r.trust < 0.9 for r in book.reviews.all())
    assert f"{shown} of {book.reviews.count()} reviews were down-weighted" in page
    assert "copies of the same text" in page
    assert "posted in a burst of" in page
    assert "Without trust weighting the rating would be" in page


def test_a_second_run_changes_nothing(shop) -> None:
    run_trust()
    scored = {r.pk: (r.trust, r.trust_reasons) for r in Review.objects.all()}
    summary = run_trust()
    assert "0 changed, in 0 books" in summary
    assert {r.pk: (r.trust, r.trust_reasons) for r in Review.objects.all()} == scored


def test_staff_override_survives_a_rerun(book, shop, staff) -> None:
    run_trust()
    kept = Review.objects.get(pk=shop["fakes"][0].pk)
    override_trust(kept, by=staff, trust=1.0, note="checked: a real reader")
    rating = stored(book).rating
    summary = run_trust()
    kept.refresh_from_db()
    assert kept.trust_override == 1.0 and kept.trust_override_by == staff
    assert kept.trust < 0.5  # the analysis is still recorded, for staff to see
    assert "1 kept as staff decided" in summary
    # The run recomputes the catalogue prior, which the kept review moved a little.
    assert stored(book).rating == pytest.approx(rating, abs=0.001)
    assert_stored_equals_scratch(book)


def test_hidden_reviews_are_left_alone(book, shop, staff) -> None:
    from candor.reviews.services import hide_review

    hidden = shop["fakes"][1]
    hide_review(hidden, by=staff)
    trust_before = Review.objects.get(pk=hidden.pk).trust
    summary = run_trust()
    assert f"{Review.objects.filter(hidden=False).count()} reviews scored" in summary
    assert Review.objects.get(pk=hidden.pk).trust == trust_before
    assert_stored_equals_scratch(book)


def test_identical_timestamps_and_odd_texts_do_not_stop_the_run(book, make_user) -> None:
    moment = timezone.now()
    texts = [
        "",
        "这本书非常好\uff0c我很喜欢\u3002",
        "Это хорошая книга, я её рекомендую.",
        "x" * 5000,
    ]
    for i, text in enumerate(texts):
        user = make_user(f"same{i}")
        title = "A title" if len(text) == 5000 else ""  # title and text: beyond 5,000
        Review.objects.create(
            book=book, user=user, rating=5, title=title, text=text, created_at=moment
        )
    summary = run_trust()
    assert "4 reviews scored" in summary
    assert "texts truncated for analysis (text_truncated): 1" in summary
    assert all(0.0 <= r.trust <= 1.0 for r in Review.objects.all())
    long = Review.objects.get(title="A title")
    assert long.trust_reasons[-1]["code"] == "text_truncated"
    assert_stored_equals_scratch(book)


def test_an_empty_database_is_reported_not_an_error(db) -> None:
    assert "No reviews to analyse." in run_trust()
