"""candor.trust.live: the factors known the moment a review is posted, and their words."""

import numpy as np
import pytest

from candor.trust import live
from candor.trust.table import Reviews

DAY = 86_400.0
TYPICAL = (0.026, 0.037, 0.094, 0.254, 0.589)
TEXT = (
    "Reading this history of the alliance, I kept checking the footnotes: the authors "
    "quote the cables at length, and the chapter on the 1950 talks is slow but worth it."
)


# --- account age -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "factor"),
    [
        (0.0, 0.2),
        (1 / 1440, 0.2),
        (2, 0.2),
        (6.99, 0.2),
        (7, 0.2),
        (18.5, 0.6),
        (30, 1.0),
        (400, 1.0),
        (-3, 1.0),  # dated before the account was opened: an import
    ],
)
def test_account_age_curve(days: float, factor: float) -> None:
    assert live.new_account_factor(days * DAY) == pytest.approx(factor)


def test_account_age_never_vouches_and_only_rises_with_age() -> None:
    ages = np.linspace(-10, 100, 2_000) * DAY
    factors = live.new_account_factor(ages)
    assert (factors <= 1.0).all() and (factors >= live.NEW_ACCOUNT_FACTOR).all()
    grown = factors[ages >= 0]
    assert (np.diff(grown) >= 0).all()
    assert live.new_account_factor(np.nan) == 1.0


def test_account_age_reasons_in_plain_words() -> None:
    minute_old = live.account_age(60.0)
    assert minute_old.factor == pytest.approx(0.2) and not minute_old.cap
    assert minute_old.reasons == (
        (
            "new_account",
            "from an account created 1 minute before it was scored: counts 0.2x until the "
            "account is 7 days old, fully from its 30th day",
        ),
    )
    [(_, two_days)] = live.account_age(2.5 * DAY).reasons
    assert two_days.startswith("from an account created 2 days before it was scored: counts 0.2x")
    [(_, fortnight)] = live.account_age(18.5 * DAY).reasons
    assert "created 18 days before it was scored: counts 0.60x" in fortnight
    assert "fully from an account's 30th day" in fortnight
    assert live.account_age(45 * DAY) == live.Finding()
    assert live.account_age(None) == live.Finding()


def test_account_age_as_a_batch_signal() -> None:
    now = 1_800_000_000
    reviews = Reviews(
        review_id=["a", "b", "c"],
        product=np.zeros(3, np.int64),
        reviewer=np.arange(3, dtype=np.int64),
        rating=np.array([1, 5, 4]),
        time=np.full(3, now, np.int64),
        verified=np.zeros(3, bool),
        helpful=np.zeros(3, np.int64),
        reviewer_since=np.array([now - 60, now - 400 * 86_400, now + 10], np.int64),
    )
    out = live.new_account_signal(reviews)
    assert out.features["new_account_factor"].tolist() == pytest.approx([0.2, 1.0, 1.0])
    assert out.flags["new_account"].tolist() == [True, False, False]
    age, factor = out.numbers["new_account"][0], out.numbers["new_account_factor"][0]
    assert live.new_account_sentence(age, factor).startswith(
        "from an account created 1 minute before"
    )
    unknown = Reviews(**{**reviews.__dict__, "reviewer_since": None})
    assert (live.new_account_signal(unknown).features["new_account_factor"] == 1.0).all()
    # The account is fresh while it is fresh: a month later its review counts fully.
    month_later = live.new_account_signal(reviews, now=now + 31 * 86_400)
    assert month_later.features["new_account_factor"].tolist() == pytest.approx([1.0, 1.0, 1.0])


# --- bursts ----------------------------------------------------------------------------


def activity(window: list[int], history: list[int], days: float = 182) -> live.BookActivity:
    return live.BookActivity(window, history, days)


def test_a_burst_of_one_star_keeps_only_what_the_history_explains() -> None:
    # A book with about a review a week, mostly four and five stars; then 12 one-star
    # reviews (and a five-star one) in a week.
    quiet = [4, 2, 3, 8, 13]
    finding = live.burst(activity([12, 0, 0, 0, 1], quiet), 1, TYPICAL)
    assert finding.cap and 0 < finding.factor < 0.05
    [(code, sentence)] = finding.reasons
    assert code == "burst"
    assert sentence.startswith(
        "posted in a burst of 13 reviews of this book in 7 days, 12 of them one-star, "
        "where its history predicts about 0."
    )
    assert sentence.endswith(f"one-star reviews in 7 days: counts at most {finding.factor:.2f}x")
    # The five-star review in the same week is not over-represented: not flagged.
    assert live.burst(activity([12, 0, 0, 0, 1], quiet), 5, TYPICAL) == live.Finding()


def test_what_is_not_a_burst() -> None:
    quiet = [1, 1, 3, 8, 13]
    # Three reviews in a week: below the batch's effect floor (5), however unlikely.
    assert live.burst(activity([3, 0, 0, 0, 0], quiet), 1, TYPICAL) == live.Finding()
    # A busy book's ordinary week, with its usual mix.
    busy = [40, 30, 90, 300, 540]
    assert live.burst(activity([1, 1, 3, 12, 21], busy), 5, TYPICAL) == live.Finding()
    # No history to compare with (a launch): the batch judges it, seeing the months after.
    assert live.burst(activity([0, 0, 0, 0, 12], [0] * 5, 0), 5, TYPICAL) == live.Finding()
    assert live.burst(activity([0, 0, 0, 0, 12], [0, 0, 0, 0, 1], 20), 5, TYPICAL) == (
        live.Finding()
    )


def test_a_burst_factor_shrinks_with_the_burst_and_grows_with_the_history() -> None:
    small = live.burst(activity([8, 0, 0, 0, 0], [1, 1, 3, 8, 13]), 1, TYPICAL).factor
    large = live.burst(activity([30, 0, 0, 0, 0], [1, 1, 3, 8, 13]), 1, TYPICAL).factor
    assert large < small < 1
    busier = live.burst(activity([30, 0, 0, 0, 0], [30, 10, 30, 80, 130]), 1, TYPICAL).factor
    assert large < busier < 1  # a book that gets one-star reviews explains more of them


def test_burst_input_is_checked() -> None:
    with pytest.raises(ValueError, match="five counts"):
        live.burst(activity([1, 2], [0] * 5), 1, TYPICAL)


def test_combined_multiplies_evidence_and_caps_by_bursts() -> None:
    age = live.Finding(0.2, (("new_account", "x"),))
    copy = live.Finding(0.05, (("copied_text", "y"),))
    cap = live.Finding(0.3, (("burst", "z"),), cap=True)
    assert live.combined(0.9, []) == 0.9
    assert live.combined(0.9, [age]) == pytest.approx(0.18)
    assert live.combined(0.9, [age, cap]) == pytest.approx(0.18)  # under the cap already
    assert live.combined(0.9, [cap]) == pytest.approx(0.3)
    assert live.combined(0.9, [age, copy]) == pytest.approx(0.009)
    assert live.combined(1.5, [live.Finding()]) == 1.0


# --- copies ----------------------------------------------------------------------------


def test_similarity_is_the_duplicates_jaccard_on_normalised_texts() -> None:
    assert live.similarity(TEXT, TEXT.upper().replace(",", " ;")) == 1.0
    one_word = TEXT.replace("cables", "telegrams")
    assert 0.8 <= live.similarity(TEXT, one_word) < 1.0
    assert live.similarity(TEXT, "A different review of another book entirely, about ships.") < 0.2
    assert live.similarity(TEXT, "") == 0.0


def test_text_bands_are_equal_for_equal_texts_and_none_for_stock_phrases() -> None:
    bands = live.text_bands([TEXT, TEXT.upper(), "Great book!", "Great book, great book, great"])
    assert bands[0] == bands[1] and len(bands[0] or []) == live.BANDS
    assert bands[2] is None and bands[3] is None  # fewer than 6 distinct words
    near = live.text_bands([TEXT.replace("cables", "telegrams")])[0]
    assert near is not None and set(near) & set(bands[0] or [])  # a shared band: a candidate
    assert live.text_bands([]) == []


def test_text_hash_is_stable_and_tells_texts_apart() -> None:
    assert live.text_hash(TEXT) == live.text_hash(TEXT)
    assert live.text_hash(TEXT) != live.text_hash(TEXT + " ")
    assert -(2**63) <= live.text_hash(TEXT) < 2**63


def test_copy_finding() -> None:
    assert live.copied(0.0, False) == live.Finding()
    assert live.copied(0.79, False) == live.Finding()
    same = live.copied(1.0, False)
    assert same.factor == 0.05 and not same.cap
    assert same.reasons == (("copied_text", "the same text as an earlier review of another book"),)
    assert live.copied(0.85, True).reasons == (
        ("copied_text", "nearly the same text as an earlier review of this book"),
    )


# --- helpful votes ---------------------------------------------------------------------


def test_votes_count_from_week_old_accounts_that_are_not_distrusted() -> None:
    ages = np.array([0, 6.9, 7, 30, 30]) * DAY
    distrusted = [False, False, False, False, True]
    assert live.vote_counts(ages, distrusted).tolist() == [False, False, True, True, False]
    assert live.vote_counts([np.nan], [False]).tolist() == [False]


def test_distrust_leaves_the_account_age_factor_to_the_age_rule() -> None:
    assert live.distrusted(0.3, None, [])
    assert not live.distrusted(0.6, None, [])
    # 0.9 from its text, times 0.2 for a new account: the voter is new, not distrusted.
    fresh = [{"code": "new_account", "text": "...", "live": True, "factor": 0.2}]
    assert not live.distrusted(0.18, None, fresh)
    assert live.distrusted(0.05, None, fresh)
    # A moderator's decision is what counts.
    assert not live.distrusted(0.1, 1.0, [])
    assert live.distrusted(0.9, 0.0, [])
