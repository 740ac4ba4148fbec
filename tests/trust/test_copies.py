"""Copied text: copies lose their trust, the earliest posting keeps it, stock phrases and
honest reviews of one book are never copies, and row order does not matter."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.trust import copies
from candor.trust.copies import CODE, COPY_FACTOR, FACTOR, copied_text
from candor.trust.table import SECONDS_PER_DAY, Reviews

DAY = SECONDS_PER_DAY
START = 1_600_000_000

ORIGINAL = (
    "I picked this up on a whim after a friend mentioned it, and I could not put it down. "
    "The way the author slowly reveals what happened to the sisters during that last "
    "summer at the lake house is masterful, and the final chapter left me in tears. The "
    "prose is spare but every sentence does work. My only quibble is that the middle "
    "section about the father's business drags a little."
)

HONEST = (
    "A slow start, but the second half more than makes up for it. The narrator's voice is "
    "dry and funny and I laughed out loud on the train more than once.",
    "I wanted to love this, the premise is wonderful, but the characters never felt like "
    "real people to me and the twist was obvious from about page fifty.",
    "Beautifully written. The descriptions of the coast in winter are some of the best "
    "nature writing I have read in years, even if the plot is thin.",
    "Our book club was split down the middle on this one. I found the mother infuriating "
    "and that was clearly the point; others thought she was badly drawn.",
    "Not my usual genre, but my daughter insisted. Three evenings, one sitting each, and I "
    "am already hunting for the author's earlier novels at the library.",
    "The audiobook narrator is excellent and makes the dialogue sparkle. On paper I suspect "
    "the long letters in part three would have tested my patience.",
)


def table(
    texts: list[str | None] | None,
    product: list[int],
    reviewer: list[int],
    days: list[float],
) -> Reviews:
    n = len(product)
    return Reviews(
        review_id=[f"r{i}" for i in range(n)],
        product=np.asarray(product, np.int64),
        reviewer=np.asarray(reviewer, np.int64),
        rating=np.full(n, 5, np.int64),
        time=(START + np.asarray(days) * DAY).astype(np.int64),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
        text=texts,  # type: ignore[arg-type]
    )


def copy_campaign(edit: bool = False) -> Reviews:
    """The original on book 0 by account 0, honest reviews of book 0, then five copies by
    accounts 10..14 on books 1..5 over six months (lightly edited when ``edit``)."""
    copies_text = [ORIGINAL] * 5
    if edit:
        copies_text = [
            ORIGINAL.replace("on a whim", "on impulse"),
            ORIGINAL.replace("could not", "couldn't").replace("masterful", "brilliant"),
            ORIGINAL.lower().replace(",", ""),
            ORIGINAL.replace("left me in tears", "made me cry"),
            ORIGINAL.replace("drags a little", "drags on a bit") + " Recommended!",
        ]
    texts = [ORIGINAL, *HONEST, *copies_text]
    product = [0] * (1 + len(HONEST)) + [1, 2, 3, 4, 5]
    reviewer = [*range(1 + len(HONEST)), 10, 11, 12, 13, 14]
    days = [0.0, *range(1, 1 + len(HONEST)), 20.0, 50.0, 90.0, 130.0, 180.0]
    return table(texts, product, reviewer, days)


def test_word_for_word_copies_lose_their_trust_and_the_original_keeps_it() -> None:
    out = copied_text(copy_campaign())
    factor, flag, number = out.features[FACTOR], out.flags[CODE], out.numbers[CODE]
    assert factor[0] == 1.0 and not flag[0]
    assert (factor[1 : 1 + len(HONEST)] == 1.0).all()
    assert (factor[-5:] <= 0.05).all() and flag[-5:].all()
    assert (number[-5:] == 6).all() and (number[:-5] == 0).all()


def test_lightly_edited_copies_are_copies_too() -> None:
    out = copied_text(copy_campaign(edit=True))
    assert out.features[FACTOR][0] == 1.0
    assert (out.features[FACTOR][-5:] == COPY_FACTOR).all()
    assert out.flags[CODE].sum() == 5


def test_the_earliest_keeps_its_trust_wherever_it_is_in_the_table() -> None:
    # the original posted last in row order but first in time
    reviews = table([ORIGINAL] * 3, [3, 2, 1], [7, 8, 9], [40.0, 20.0, 5.0])
    assert copied_text(reviews).features[FACTOR].tolist() == [COPY_FACTOR, COPY_FACTOR, 1.0]


def test_same_account_on_other_books_is_a_copy() -> None:
    reviews = table([ORIGINAL] * 3, [0, 1, 2], [4, 4, 4], [0.0, 10.0, 20.0])
    out = copied_text(reviews)
    assert out.features[FACTOR].tolist() == [1.0, COPY_FACTOR, COPY_FACTOR]
    assert out.numbers[CODE].tolist() == [0.0, 3.0, 3.0]


def test_same_account_same_book_twice_is_not_a_copy_of_anyone() -> None:
    reviews = table([ORIGINAL] * 3, [0, 0, 1], [4, 4, 5], [0.0, 1.0, 2.0])
    assert copied_text(reviews).features[FACTOR].tolist() == [1.0, 1.0, COPY_FACTOR]


def test_honest_reviews_of_one_book_are_never_copies() -> None:
    reviews = table([ORIGINAL, *HONEST], [0] * 7, list(range(7)), list(range(7)))
    out = copied_text(reviews)
    assert (out.features[FACTOR] == 1.0).all() and not out.flags[CODE].any()


def test_short_stock_phrases_are_never_copies() -> None:
    phrases = [
        "Great book!",
        "Loved it, highly recommend.",
        "Five stars",
        "Works as expected\nWorks as expected",  # six words, three distinct
        "Great value\nGreat value for the price.",
    ] * 5
    n = len(phrases)
    reviews = table(phrases, [i % 4 for i in range(n)], list(range(n)), list(range(n)))
    out = copied_text(reviews)
    assert (out.features[FACTOR] == 1.0).all() and not out.flags[CODE].any()


def test_without_texts_every_factor_is_one() -> None:
    out = copied_text(table(None, [0, 1], [0, 1], [0.0, 1.0]))
    assert out.features[FACTOR].tolist() == [1.0, 1.0]
    assert not out.flags[CODE].any() and (out.numbers[CODE] == 0).all()
    empty = copied_text(table([], [], [], []))
    assert len(empty.features[FACTOR]) == 0


def test_missing_texts_in_a_column_are_not_copies() -> None:
    reviews = table([None, ORIGINAL, None, ORIGINAL], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3])
    assert copied_text(reviews).features[FACTOR].tolist() == [1.0, 1.0, 1.0, COPY_FACTOR]


def test_originals_of_several_clusters_at_once() -> None:
    cluster = np.array([0, 0, 1, 1, 1, 2])
    time = np.array([5, 3, 1, 1, 0, 9])
    author = np.array([1, 2, 7, 7, 8, 3])
    assert copies.originals(cluster, time, author).tolist() == [
        False,
        True,
        False,
        False,
        True,
        True,
    ]


def copies_of_one_text(days: list[int]) -> Reviews:
    """One text posted by a new account on a new book on each of ``days``, between
    honest reviews of book 0."""
    k = len(days)
    texts = [*HONEST, *[ORIGINAL.replace("whim", f"whim {i}") for i in range(k)]]
    product = [0] * len(HONEST) + list(range(1, k + 1))
    reviewer = list(range(len(HONEST) + k))
    return table(texts, product, reviewer, [*range(len(HONEST)), *days])


def reordered(reviews: Reviews, order: list[int]) -> Reviews:
    return Reviews(
        review_id=[reviews.review_id[i] for i in order],
        product=reviews.product[order],
        reviewer=reviews.reviewer[order],
        rating=reviews.rating[order],
        time=reviews.time[order],
        verified=reviews.verified[order],
        helpful=reviews.helpful[order],
        text=[reviews.text[i] for i in order],  # type: ignore[index]
    )


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=2, max_size=12, unique=True), st.data())
def test_row_order_does_not_change_which_review_is_the_original(
    days: list[int], data: st.DataObject
) -> None:
    reviews = copies_of_one_text(days)
    order = data.draw(st.permutations(range(len(reviews))))
    factor = copied_text(reordered(reviews, order)).features[FACTOR]
    posted = reviews.time[order]
    in_cluster = reviews.product[order] > 0
    keeper = np.flatnonzero(in_cluster & (posted == posted[in_cluster].min()))
    assert factor[keeper].tolist() == [1.0]
    assert (factor[in_cluster] == 1.0).sum() == 1
    assert (factor[~in_cluster] == 1.0).all()
