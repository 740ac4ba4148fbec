"""The account signals split as the engine runs them (`candor.pipeline.per_reviewer`):
`behaviour.product_context` on batches of whole products, then
`behaviour.account_behaviour` on batches of whole accounts, and `new_account_signal` on
any batch of reviews at the corpus's ``now``, give what the whole-corpus calls give, bit
for bit, however the groups are batched and numbered."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.trust.behaviour import (
    ProductContext,
    account_behaviour,
    behaviour,
    product_context,
    single_review_accounts,
)
from candor.trust.live import new_account_signal
from candor.trust.table import SECONDS_PER_DAY, Reviews, SignalOutput


@st.composite
def corpora(draw: st.DrawFn) -> Reviews:
    """Small corpora with what the signals tell apart: single-review accounts (and
    anonymous reviews, each its own account), accounts with many reviews on one day,
    same-day ties within a product, products of one or a few reviews, account creation
    times known, unknown or after the review."""
    n = draw(st.integers(1, 60))
    products = draw(st.integers(1, 8))
    accounts = draw(st.integers(1, 12))
    product = draw(st.lists(st.integers(0, products - 1), min_size=n, max_size=n))
    reviewer = draw(st.lists(st.integers(-1, accounts - 1), min_size=n, max_size=n))
    # -1: anonymous, a code of its own (as the pipeline gives it)
    codes = [who if who >= 0 else accounts + i for i, who in enumerate(reviewer)]
    day = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    second = draw(st.lists(st.sampled_from([0, 1, 43_200]), min_size=n, max_size=n))
    since = None
    if draw(st.booleans()):
        since = np.array(
            draw(st.lists(st.integers(0, 8 * SECONDS_PER_DAY), min_size=n, max_size=n)), np.int64
        )
    _, dense = np.unique(codes, return_inverse=True)
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=np.unique(product, return_inverse=True)[1].astype(np.int64),
        reviewer=dense.astype(np.int64),
        rating=np.array(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)), np.int64),
        time=np.array(day, np.int64) * SECONDS_PER_DAY + np.array(second, np.int64),
        verified=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool),
        helpful=np.zeros(n, np.int64),
        reviewer_since=since,
    )


def part(reviews: Reviews, rows: np.ndarray, product: np.ndarray, reviewer: np.ndarray) -> Reviews:
    """The ``rows`` of ``reviews`` (in input order), products and accounts numbered anew
    from the codes ``product`` and ``reviewer`` give them."""
    return Reviews(
        review_id=[reviews.review_id[i] for i in rows],
        product=np.unique(product[reviews.product[rows]], return_inverse=True)[1].astype(np.int64),
        reviewer=np.unique(reviewer[reviews.reviewer[rows]], return_inverse=True)[1].astype(
            np.int64
        ),
        rating=reviews.rating[rows],
        time=reviews.time[rows],
        verified=reviews.verified[rows],
        helpful=reviews.helpful[rows],
        reviewer_since=None if reviews.reviewer_since is None else reviews.reviewer_since[rows],
    )


def in_batches(reviews: Reviews, seed: int, batches: int) -> SignalOutput:
    """`behaviour` as the engine runs it: product context per batch of whole products,
    then the accounts per batch of whole accounts, each numbered in a shuffled order."""
    rng = np.random.default_rng(seed)
    n = len(reviews)
    product_code = rng.permutation(reviews.n_products)
    reviewer_code = rng.permutation(reviews.n_reviewers)
    single = single_review_accounts(reviews)
    features: dict[str, np.ndarray] = {}
    has_others = np.zeros(n, bool)
    product_batch = rng.integers(0, batches, reviews.n_products)
    for batch in range(batches):
        rows = np.flatnonzero(product_batch[reviews.product] == batch)
        if not len(rows):
            continue
        found = product_context(part(reviews, rows, product_code, reviewer_code), single[rows])
        for name, values in found.features.items():
            features.setdefault(name, np.full(n, np.nan))[rows] = values
        has_others[rows] = found.has_others
    out = SignalOutput(name="behaviour")
    account_batch = rng.integers(0, batches, reviews.n_reviewers)
    now = int(reviews.time.max())
    for batch in range(batches):
        rows = np.flatnonzero(account_batch[reviews.reviewer] == batch)
        if not len(rows):
            continue
        context = ProductContext({k: v[rows] for k, v in features.items()}, has_others[rows])
        found = account_behaviour(part(reviews, rows, product_code, reviewer_code), context, now)
        for kind in ("features", "flags", "numbers"):
            for name, values in getattr(found, kind).items():
                getattr(out, kind).setdefault(name, np.zeros(n, values.dtype))[rows] = values
    return out


def assert_identical(mine: SignalOutput, theirs: SignalOutput) -> None:
    for kind in ("features", "flags", "numbers"):
        a, b = getattr(mine, kind), getattr(theirs, kind)
        assert list(a) == list(b), kind
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@settings(max_examples=300, deadline=None)
@given(corpora(), st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_behaviour_in_batches_of_products_then_accounts_is_the_whole_corpus_call(
    reviews: Reviews, seed: int, batches: int
):
    assert_identical(in_batches(reviews, seed, batches), behaviour(reviews))


@settings(max_examples=200, deadline=None)
@given(corpora(), st.integers(0, 2**32 - 1))
def test_new_accounts_on_any_batch_at_the_corpus_now_is_the_whole_corpus_call(
    reviews: Reviews, seed: int
):
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(rng.random(len(reviews)) < 0.5)
    ids = np.arange(max(reviews.n_products, reviews.n_reviewers))
    whole = new_account_signal(reviews)
    batch = new_account_signal(part(reviews, rows, ids, ids), float(reviews.time.max()))
    for kind in ("features", "flags", "numbers"):
        for name, values in getattr(whole, kind).items():
            np.testing.assert_array_equal(getattr(batch, kind)[name], values[rows])


def test_the_scoring_time_is_the_corpus_newest_review_not_the_batch_one():
    # an account's tenure counts to the corpus's newest review, which one batch may lack
    reviews = Reviews(
        review_id=["a", "b"],
        product=np.array([0, 1]),
        reviewer=np.array([0, 1]),
        rating=np.array([5, 5]),
        time=np.array([0, 9 * SECONDS_PER_DAY]),
        verified=np.zeros(2, bool),
        helpful=np.zeros(2, np.int64),
    )
    whole = behaviour(reviews)
    assert whole.features["acct_tenure_days"].tolist() == [9.0, 0.0]
    first = part(reviews, np.array([0]), np.arange(2), np.arange(2))
    context = product_context(first, single_review_accounts(first))
    alone = account_behaviour(first, context, now=int(reviews.time.max()))
    assert alone.features["acct_tenure_days"].tolist() == [9.0]
