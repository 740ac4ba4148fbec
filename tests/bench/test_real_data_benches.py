"""The real-data benchmarks measure what their docstrings say: the cut of the prediction
check, the campaigns of the spill check, the gaps of the faithfulness check."""

import numpy as np
import pytest

from bench import faithfulness, prediction, real_data, spill
from bench.real_data import Corpus

DAY = 86_400.0


def corpus(products: list[int], stars: list[int], days: list[float], honest: list[bool]) -> Corpus:
    n = len(products)
    return Corpus(
        "tiny",
        np.asarray(products, dtype=np.int64),
        np.arange(n, dtype=np.int64),
        np.asarray(stars, dtype=np.int64),
        np.asarray(days, dtype=np.float64) * DAY,
        np.zeros(n, bool),
        np.zeros(n, np.int64),
        np.asarray(honest, dtype=bool),
        ["text"] * n,
    )


def test_the_cut_keeps_products_with_5_reviews_before_and_10_honest_after() -> None:
    # Product 0: 6 before, 12 after (2 of them not honest); product 1: 4 before.
    products = [0] * 18 + [1] * 16
    days = [1] * 6 + [100] * 12 + [1] * 4 + [100] * 12
    stars = [5] * 6 + [1] * 10 + [5, 5] + [3] * 16
    honest = [True] * 16 + [False] * 2 + [True] * 16
    # Late reviews of a third product put the median date, the cut, at day 100.
    products += [2] * 20
    days += [200] * 20
    stars += [4] * 20
    honest += [True] * 20
    before, chosen, later, cut = prediction.split(corpus(products, stars, days, honest))
    assert chosen.tolist() == [0]
    assert later.tolist() == [1.0]  # the two dishonest 5-star reviews left out
    assert (before.seconds < cut).all() and len(before) == 10
    assert prediction.plain(before, chosen).tolist() == [5.0]


def test_campaigns_go_to_the_chosen_books_only_from_new_accounts() -> None:
    base = corpus([0, 0, 1, 1, 1, 2], [4, 5, 3, 4, 5, 2], [1, 2, 3, 4, 5, 6], [True] * 6)
    attacked, targets = spill.inject(base, 2, seed=1)
    extra = len(attacked) - len(base)
    assert extra >= 10  # at least 5 fakes per book
    new = slice(len(base), None)
    assert set(attacked.product[new].tolist()) == set(targets.tolist())
    assert not set(attacked.reviewer[new].tolist()) & set(base.reviewer.tolist())
    assert (attacked.seconds[new] > base.seconds.max()).all()
    assert not attacked.honest[new].any()


def test_gaps_are_measured_against_each_products_plain_average() -> None:
    base = corpus([0] * 10 + [1] * 3, [5] * 5 + [3] * 5 + [1] * 3, [1] * 13, [True] * 13)
    found = faithfulness.gaps(base, {"p0": 4.25, "p1": 2.0})
    assert (found.products, found.median) == (1, pytest.approx(0.25))


@pytest.mark.skipif(not real_data.available(), reason="../shared/data is not beside the repository")
def test_the_real_samples_load_as_their_readmes_describe() -> None:
    books = real_data.load("amazon_books")
    assert (len(books), books.n_products) == (999, 112)
    fashion = real_data.load("amazon_fashion")
    assert fashion.verified.mean() > 0.9  # the sample with real verified flags
    assert set(np.unique(books.stars).tolist()) <= {1, 2, 3, 4, 5}
