"""Reviewer behaviour and product context: per-review features from metadata alone.

Everything here uses only ratings, times and who reviewed what, never labels, so the
features can be computed on the whole corpus at scoring time. All statistics are
vectorised group-bys (``np.bincount`` / sorted segments), no Python loop over reviews.

Features (one value per review, float64):

reviewer side
    ``acct_age_days``        days from the account's start to this review. The start is
                             ``reviewer_since`` when the table has it, else the reviewer's
                             first review in the corpus.
    ``acct_tenure_days``     days from the account's start to ``now`` (default: the last
                             review in the corpus).
    ``user_reviews``         the reviewer's number of reviews.
    ``user_index``           this review's position in the reviewer's own timeline (0 = first).
    ``user_span_days``       days between the reviewer's first and last review.
    ``user_extreme_share``   share of the reviewer's ratings that are 1 or 5 stars.
    ``user_positive_share``  share of 4-5 stars; ``user_negative_share``: share of 1-2 stars.
    ``user_mean_rating``     the reviewer's mean rating.
    ``user_mean_abs_dev``    mean |rating - consensus| over the reviewer's reviews, where the
                             consensus is the leave-one-out mean of the *other* reviewers of
                             the same product (reviews of products with no other review count
                             as 0 deviation and are left out of the mean).
    ``user_max_per_day``     most reviews the reviewer posted on one day.
    ``user_same_day``        reviews the reviewer posted on this review's day.
    ``user_verified_share``  share of the reviewer's reviews that are verified purchases.
    ``single_review``        1.0 when the account has exactly one review.

product side
    ``product_reviews``      the product's number of reviews.
    ``rating``               this review's stars.
    ``rating_dev``           rating - leave-one-out product mean (0 when it is the only one).
    ``abs_rating_dev``       |rating_dev|.
    ``product_rank``         order of the review in the product's timeline (0 = first; reviews
                             on the same day share the lower rank).
    ``product_rank_share``   product_rank / (product_reviews - 1), 0 for a lone review.
    ``product_age_days``     days since the product's first review.
    ``product_single_share`` share of the product's *other* reviews written by single-review
                             accounts.

Flags, each with the number its sentence quotes (``numbers[flag]``; extra numbers under
``numbers[f"{flag}_{what}"]``):

    ``single_use_account``   the account has one review.                       number: 1
    ``extreme_rater``        at least 3 reviews, all 1 or 5 stars.              number: reviews
    ``deviant_rater``        at least 3 reviews and on average >= 2 stars away
                             from other reviewers of the same products.         number: mean |dev|
    ``review_spree``         at least 10 reviews posted by the account on one day. number: that max
    ``early_reviewer``       among the first 10 % (and first 10) reviews of a product
                             with at least 20 reviews. Context only, not a suspicion.
                                                                                 number: rank + 1
"""

from dataclasses import dataclass

import numpy as np

from candor.trust.table import (
    SECONDS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    Reviews,
    SignalOutput,
)

NAME = "behaviour"

FEATURES = (
    "acct_age_days",
    "acct_tenure_days",
    "user_reviews",
    "user_index",
    "user_span_days",
    "user_extreme_share",
    "user_positive_share",
    "user_negative_share",
    "user_mean_rating",
    "user_mean_abs_dev",
    "user_max_per_day",
    "user_same_day",
    "user_verified_share",
    "single_review",
    "product_reviews",
    "rating",
    "rating_dev",
    "abs_rating_dev",
    "product_rank",
    "product_rank_share",
    "product_age_days",
    "product_single_share",
)

EXTREME_MIN_REVIEWS = 3
DEVIANT_MIN_DEV = 2.0
SPREE_MIN_PER_DAY = 10
EARLY_SHARE = 0.10
EARLY_MAX_RANK = 10
EARLY_MIN_PRODUCT_REVIEWS = 20


def days(time: IntArray) -> IntArray:
    """Whole days since 1970 (floor), so second- and day-resolution times agree."""
    return np.floor_divide(np.asarray(time, dtype=np.int64), SECONDS_PER_DAY)


def rank_within(group: IntArray, order_key: IntArray) -> IntArray:
    """0-based rank of each row within its group by ``order_key``; ties share the lower rank."""
    n = len(group)
    if n == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((order_key, group))
    g, k = group[order], order_key[order]
    position = np.arange(n, dtype=np.int64)
    new_group = np.ones(n, bool)
    new_group[1:] = g[1:] != g[:-1]
    new_value = new_group.copy()
    new_value[1:] |= k[1:] != k[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    value_start = np.maximum.accumulate(np.where(new_value, position, 0))
    rank = np.empty(n, np.int64)
    rank[order] = value_start - group_start
    return rank


def count_per_key(*keys: IntArray) -> IntArray:
    """For each row, how many rows share all of ``keys`` (a vectorised group-by count)."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort(keys[::-1])
    change = np.zeros(n, bool)
    change[0] = True
    for key in keys:
        k = np.asarray(key)[order]
        change[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, n))
    counts = np.empty(n, np.int64)
    counts[order] = np.repeat(lengths, lengths)
    return counts


def loo_product_mean(reviews: Reviews) -> tuple[FloatArray, BoolArray]:
    """Mean rating of the *other* reviews of the same product, and whether there are any."""
    n_products = reviews.n_products
    rating = reviews.rating.astype(np.float64)
    count = np.bincount(reviews.product, minlength=n_products).astype(np.float64)
    total = np.bincount(reviews.product, weights=rating, minlength=n_products)
    others = count[reviews.product] - 1.0
    has_others = others > 0
    loo = np.where(has_others, (total[reviews.product] - rating) / np.maximum(others, 1.0), rating)
    return loo, has_others


FLAGS = ("single_use_account", "extreme_rater", "deviant_rater", "review_spree", "early_reviewer")


def behaviour(reviews: Reviews, now: int | None = None) -> SignalOutput:
    """Reviewer-behaviour and product-context features and flags for every review.

    ``now`` (seconds since 1970) is the scoring time for account tenure; by default the
    time of the newest review in the table. The same as `product_context` per product,
    then `account_behaviour` per account (the engine runs them so, `candor.pipeline.per_reviewer`).
    """
    if len(reviews) == 0:
        out = SignalOutput(name=NAME)
        out.features = {f: np.zeros(0) for f in FEATURES}
        out.flags = {flag: np.zeros(0, bool) for flag in FLAGS}
        out.numbers = {flag: np.zeros(0) for flag in FLAGS}
        return out
    context = product_context(reviews, single_review_accounts(reviews))
    return account_behaviour(reviews, context, int(reviews.time.max()) if now is None else now)


def single_review_accounts(reviews: Reviews) -> BoolArray:
    """Which reviews are their account's only one."""
    single: BoolArray = np.bincount(reviews.reviewer)[reviews.reviewer] == 1
    return single


@dataclass(frozen=True)
class ProductContext:
    """Per review, what behaviour needs of its product: the product-side features
    (``rating_dev`` against the other reviews of the product among them) and whether
    the product has other reviews."""

    features: dict[str, FloatArray]
    has_others: BoolArray


def product_context(reviews: Reviews, single: BoolArray) -> ProductContext:
    """The `ProductContext` of each review, from the rows of its product alone (so rows
    of whole products give the same as the whole table) and ``single``: which reviews
    are their account's only one in the whole corpus (`single_review_accounts`).
    ``reviews.reviewer`` is not read."""
    loo, has_others = loo_product_mean(reviews)
    rating_dev = reviews.rating.astype(np.float64) - loo
    return ProductContext(
        _product_features(reviews, days(reviews.time), rating_dev, single), has_others
    )


def account_behaviour(reviews: Reviews, context: ProductContext, now: int) -> SignalOutput:
    """`behaviour`'s output from the rows of whole accounts (every review of each
    account in ``reviews``), their products' ``context`` (computed on the whole corpus)
    and ``now``, the scoring time in seconds (the whole corpus's). ``reviews.product``
    is not read."""
    day = days(reviews.time)
    now_day = int(days(np.array([now]))[0])
    single = single_review_accounts(reviews)
    out = SignalOutput(name=NAME)
    out.features = {
        **_reviewer_features(
            reviews, day, now_day, context.features["rating_dev"], context.has_others
        ),
        **context.features,
    }
    out.flags, out.numbers = _flags(out.features, single)
    return out


def _account_start_day(reviews: Reviews, day: IntArray, first_day: IntArray) -> IntArray:
    """Per reviewer: the account's creation day when known and earlier, else its first
    review's day."""
    if reviews.reviewer_since is None:
        return first_day.copy()
    user = reviews.reviewer
    since = days(reviews.reviewer_since)
    known = np.asarray(reviews.reviewer_since) > 0
    since_user = np.full(reviews.n_reviewers, np.iinfo(np.int64).max)
    np.minimum.at(since_user, user[known], since[known])
    start_day: IntArray = np.minimum(first_day, since_user)
    return start_day


def _reviewer_features(
    reviews: Reviews, day: IntArray, now_day: int, rating_dev: FloatArray, has_others: BoolArray
) -> dict[str, FloatArray]:
    """The features of each review's account (see the module docstring)."""
    user, n_users = reviews.reviewer, reviews.n_reviewers

    def per_user(values: FloatArray | BoolArray) -> FloatArray:
        summed = np.bincount(user, weights=np.asarray(values, np.float64), minlength=n_users)
        return summed.astype(np.float64)

    user_count = np.bincount(user, minlength=n_users).astype(np.float64)
    per_count = np.maximum(user_count, 1.0)  # codes without reviews: no division by 0
    first_day = np.full(n_users, np.iinfo(np.int64).max)
    np.minimum.at(first_day, user, day)
    last_day = np.full(n_users, np.iinfo(np.int64).min)
    np.maximum.at(last_day, user, day)
    start_day = _account_start_day(reviews, day, first_day)
    # mean |deviation| over the reviews of products that others reviewed too
    n_with_others = per_user(has_others)
    mean_abs_dev = np.where(
        n_with_others > 0,
        per_user(np.where(has_others, np.abs(rating_dev), 0.0)) / np.maximum(n_with_others, 1),
        0.0,
    )
    same_day = count_per_key(user, day)
    max_per_day = np.zeros(n_users, np.int64)
    np.maximum.at(max_per_day, user, same_day)
    rating = reviews.rating
    extreme = (rating == 1) | (rating == 5)
    return {
        "acct_age_days": (day - start_day[user]).astype(np.float64),
        "acct_tenure_days": np.maximum(now_day - start_day[user], 0).astype(np.float64),
        "user_reviews": user_count[user],
        "user_index": rank_within(user, day).astype(np.float64),
        "user_span_days": (last_day - first_day)[user].astype(np.float64),
        "user_extreme_share": (per_user(extreme) / per_count)[user],
        "user_positive_share": (per_user(rating >= 4) / per_count)[user],
        "user_negative_share": (per_user(rating <= 2) / per_count)[user],
        "user_mean_rating": (per_user(rating.astype(np.float64)) / per_count)[user],
        "user_mean_abs_dev": mean_abs_dev[user],
        "user_max_per_day": max_per_day[user].astype(np.float64),
        "user_same_day": same_day.astype(np.float64),
        "user_verified_share": (per_user(reviews.verified) / per_count)[user],
        "single_review": (user_count[user] == 1).astype(np.float64),
    }


def _product_features(
    reviews: Reviews, day: IntArray, rating_dev: FloatArray, single: BoolArray
) -> dict[str, FloatArray]:
    """The features of each review's product and of the review's place in it."""
    product, n_products = reviews.product, reviews.n_products
    product_count = np.bincount(product, minlength=n_products).astype(np.float64)[product]
    others = product_count - 1.0
    product_rank = rank_within(product, day)
    product_first = np.full(n_products, np.iinfo(np.int64).max)
    np.minimum.at(product_first, product, day)
    single_per_product = np.bincount(
        product, weights=single.astype(np.float64), minlength=n_products
    )
    return {
        "product_reviews": product_count,
        "rating": reviews.rating.astype(np.float64),
        "rating_dev": rating_dev,
        "abs_rating_dev": np.abs(rating_dev),
        "product_rank": product_rank.astype(np.float64),
        "product_rank_share": np.where(others > 0, product_rank / np.maximum(others, 1.0), 0.0),
        "product_age_days": (day - product_first[product]).astype(np.float64),
        "product_single_share": np.where(
            others > 0, (single_per_product[product] - single) / np.maximum(others, 1.0), 0.0
        ),
    }


def _flags(
    features: dict[str, FloatArray], single: BoolArray
) -> tuple[dict[str, BoolArray], dict[str, FloatArray]]:
    """The flags and the numbers their sentences quote."""
    reviews_by_user = features["user_reviews"]
    product_reviews = features["product_reviews"]
    product_rank = features["product_rank"]
    enough = reviews_by_user >= EXTREME_MIN_REVIEWS
    extreme_rater = enough & (features["user_extreme_share"] >= 1.0)
    deviant = enough & (features["user_mean_abs_dev"] >= DEVIANT_MIN_DEV)
    spree = features["user_max_per_day"] >= SPREE_MIN_PER_DAY
    early = (
        (product_reviews >= EARLY_MIN_PRODUCT_REVIEWS)
        & (product_rank < EARLY_MAX_RANK)
        & (product_rank < EARLY_SHARE * product_reviews)
    )
    # Context, not a suspicion: most honest readers write one review (threat model).
    flags = {
        "single_use_account": single,
        "extreme_rater": extreme_rater,
        "deviant_rater": deviant,
        "review_spree": spree,
        "early_reviewer": early,
    }
    numbers = {
        "single_use_account": single.astype(np.float64),
        "extreme_rater": np.where(extreme_rater, reviews_by_user, 0.0),
        "deviant_rater": np.where(deviant, features["user_mean_abs_dev"], 0.0),
        "review_spree": np.where(spree, features["user_max_per_day"], 0.0),
        "early_reviewer": np.where(early, product_rank + 1.0, 0.0),
    }
    return flags, numbers


def as_single_review_account(
    features: dict[str, FloatArray], verified: BoolArray
) -> dict[str, FloatArray]:
    """The same reviews' features as if each had been written by an ordinary account that
    wrote just that review: the reviewer-side features from the review itself, the
    product-side features unchanged. The combiner compares each account with this
    reader (`candor.trust.combine`), so what an account's history says can only lower
    trust."""
    rating = features["rating"]
    extreme = (rating == 1) | (rating == 5)
    ones = np.ones(len(rating))
    return {
        **features,
        "acct_age_days": np.zeros(len(rating)),
        # An account that starts with this review: its tenure is the review's age.
        "acct_tenure_days": features["acct_tenure_days"] - features["acct_age_days"],
        "user_reviews": ones,
        "user_index": np.zeros(len(rating)),
        "user_span_days": np.zeros(len(rating)),
        "user_extreme_share": extreme.astype(np.float64),
        "user_positive_share": (rating >= 4).astype(np.float64),
        "user_negative_share": (rating <= 2).astype(np.float64),
        "user_mean_rating": rating,
        "user_mean_abs_dev": features["abs_rating_dev"],
        "user_max_per_day": ones,
        "user_same_day": ones,
        "user_verified_share": np.asarray(verified, np.float64),
        "single_review": ones,
    }
