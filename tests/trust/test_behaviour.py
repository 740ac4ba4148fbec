"""Reviewer-behaviour and product-context features: hand-checked values and bad input."""

import numpy as np

from candor.trust.behaviour import FEATURES, behaviour, count_per_key, rank_within
from candor.trust.table import SECONDS_PER_DAY, Reviews

DAY = SECONDS_PER_DAY
FLAGS = ("single_use_account", "extreme_rater", "deviant_rater", "review_spree", "early_reviewer")


def table(
    product: list[int],
    reviewer: list[int],
    rating: list[int],
    day: list[float],
    verified: list[bool] | None = None,
    reviewer_since: list[int] | None = None,
) -> Reviews:
    n = len(product)
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=np.array(product, np.int64),
        reviewer=np.array(reviewer, np.int64),
        rating=np.array(rating, np.int64),
        time=(np.array(day, np.float64) * DAY).astype(np.int64),
        verified=np.array(verified if verified is not None else [False] * n, bool),
        helpful=np.zeros(n, np.int64),
        reviewer_since=None if reviewer_since is None else np.array(reviewer_since, np.int64),
    )


def test_empty_table() -> None:
    out = behaviour(table([], [], [], []))
    assert set(out.features) == set(FEATURES)
    assert all(len(v) == 0 for v in out.features.values())
    assert set(out.flags) == set(FLAGS)


def test_one_review() -> None:
    out = behaviour(table([0], [0], [5], [100]))
    f = out.features
    assert f["user_reviews"][0] == 1
    assert f["rating_dev"][0] == 0.0  # nobody else to compare with
    assert f["product_rank"][0] == 0 and f["product_rank_share"][0] == 0
    assert f["acct_age_days"][0] == 0
    assert out.flags["single_use_account"][0]
    assert all(np.isfinite(v).all() for v in f.values())


def test_identical_timestamps() -> None:
    out = behaviour(table([0, 0, 0, 1], [0, 1, 2, 0], [5, 5, 1, 3], [7, 7, 7, 7]))
    f = out.features
    assert (f["product_rank"] == 0).all()  # same day: tied first
    assert f["user_same_day"].tolist() == [2, 1, 1, 2]
    assert f["user_max_per_day"][0] == 2
    assert all(np.isfinite(v).all() for v in f.values())


def test_leave_one_out_consensus_and_deviation() -> None:
    # product 0: ratings 5 (user 0), 1 (user 1), 3 (user 2); product 1: 4 (user 0), 2 (user 1)
    r = table([0, 0, 0, 1, 1], [0, 1, 2, 0, 1], [5, 1, 3, 4, 2], [0, 1, 2, 3, 4])
    f = behaviour(r).features
    np.testing.assert_allclose(f["rating_dev"], [5 - 2, 1 - 4, 3 - 3, 4 - 2, 2 - 4])
    np.testing.assert_allclose(f["user_mean_abs_dev"], [2.5, 2.5, 0, 2.5, 2.5])
    np.testing.assert_allclose(f["user_extreme_share"], [0.5, 0.5, 0, 0.5, 0.5])
    np.testing.assert_allclose(f["product_rank"], [0, 1, 2, 0, 1])
    np.testing.assert_allclose(f["product_rank_share"], [0, 0.5, 1, 0, 1])
    np.testing.assert_allclose(f["product_single_share"], [0.5, 0.5, 0, 0, 0])


def test_account_age_uses_reviewer_since_when_known() -> None:
    r = table([0, 1, 2], [0, 0, 1], [4, 4, 4], [10, 20, 30], reviewer_since=[5 * DAY, 5 * DAY, 0])
    f = behaviour(r).features
    np.testing.assert_allclose(f["acct_age_days"], [5, 15, 0])  # user 1: unknown -> first review
    np.testing.assert_allclose(f["acct_tenure_days"], [25, 25, 0])  # now = newest review
    np.testing.assert_allclose(f["user_index"], [0, 1, 0])
    np.testing.assert_allclose(f["user_span_days"], [10, 10, 0])


def test_flags_and_numbers() -> None:
    # user 0: 3 reviews, all 5 stars where others gave 1 -> extreme and deviant
    # user 1: 12 reviews on one day -> spree
    product = [0, 1, 2, 0, 1, 2, *range(3, 15)]
    reviewer = [0, 0, 0, 2, 2, 2, *[1] * 12]
    rating = [5, 5, 5, 1, 1, 1, *[3] * 12]
    day = [1, 2, 3, 1, 2, 3, *[50] * 12]
    out = behaviour(table(product, reviewer, rating, day, verified=[True] * 18))
    assert out.flags["extreme_rater"][:3].all() and out.numbers["extreme_rater"][0] == 3
    assert out.flags["deviant_rater"][:3].all() and out.numbers["deviant_rater"][0] == 4.0
    assert out.flags["review_spree"][6:].all() and out.numbers["review_spree"][6] == 12
    assert not out.flags["single_use_account"].any()
    assert (out.features["user_verified_share"] == 1).all()


def test_early_reviewer() -> None:
    n = 40
    out = behaviour(table([0] * n, list(range(n)), [4] * n, list(range(n))))
    assert out.flags["early_reviewer"].tolist() == [True] * 4 + [False] * 36
    assert out.numbers["early_reviewer"][3] == 4


def test_helpers() -> None:
    group = np.array([1, 0, 1, 1, 0])
    key = np.array([5, 3, 5, 2, 9])
    assert rank_within(group, key).tolist() == [1, 0, 1, 0, 1]
    assert count_per_key(group, key).tolist() == [2, 1, 2, 1, 1]
    assert len(rank_within(np.zeros(0, np.int64), np.zeros(0, np.int64))) == 0


def test_labels_not_needed_and_order_invariant() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    r = table(
        list(rng.integers(0, 50, n)),
        list(rng.integers(0, 400, n)),
        list(rng.integers(1, 6, n)),
        list(rng.integers(0, 900, n)),
    )
    perm = rng.permutation(n)
    shuffled = Reviews(
        review_id=[r.review_id[i] for i in perm],
        product=r.product[perm],
        reviewer=r.reviewer[perm],
        rating=r.rating[perm],
        time=r.time[perm],
        verified=r.verified[perm],
        helpful=r.helpful[perm],
    )
    a, b = behaviour(r).features, behaviour(shuffled).features
    for name in FEATURES:
        np.testing.assert_allclose(a[name][perm], b[name], err_msg=name)
