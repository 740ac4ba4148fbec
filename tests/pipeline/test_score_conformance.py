"""The engine's sums and weights are `candor.ratings`' own: the Ibis expressions of
`candor score` (on DuckDB) against `candor.ratings.sums.book_sums` and
`candor.ratings.weights.review_weights` of the same reviews, on random corpora."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.pipeline import expressions
from candor.pipeline.engines import connect
from candor.pipeline.run import (
    book_sums,
    corpus_rows,
    review_rows,
    score_books,
    sum_reviews,
)
from candor.pipeline.sources import find_files, prepare
from candor.ratings import DEFAULT_CONFIG, RatingConfig, Reviews
from candor.ratings import sums as python_sums
from candor.ratings.sums import PER_BOOK, PER_STAR
from candor.ratings.weights import review_weights

START_US = 631_152_000_000_000  # 1990-01-01
END_US = 4_102_444_800_000_000  # 2100-01-01
DAY_US = 86_400_000_000

CONFIGS = [
    DEFAULT_CONFIG,
    RatingConfig(half_life_days=1.0, recency_floor=0.05),
    RatingConfig(unverified_weight=0.3, half_life_days=30.0, recency_floor=0.6),
]


@dataclass
class Corpus:
    product: list[int]
    stars: list[int]
    created_us: list[int]
    verified: list[bool]
    trust: list[float] | None  # None: no trust table (--no-trust)
    # None: the files have no helpful-votes column. Read and checked, never weighed:
    # `candor.ratings` has no place for them.
    helpful: list[int] | None
    now_us: int | None  # --now
    config: RatingConfig

    def table(self) -> pa.Table:
        columns = {
            "review_id": [f"r{i}" for i in range(len(self.stars))],
            "product_id": [f"b{p}" for p in self.product],
            "reviewer_id": [f"u{i}" for i in range(len(self.stars))],
            "rating": pa.array(self.stars, pa.int64()),
            "created_at": pa.array(self.created_us, pa.timestamp("us", tz="UTC")),
            "verified_purchase": self.verified,
        }
        if self.helpful is not None:
            columns["helpful_votes"] = pa.array(self.helpful, pa.int64())
        return pa.table(columns)

    def reviews(self) -> Reviews:
        """What `candor.ratings` sees: dates after --now count as now (helpful votes
        not at all)."""
        n = len(self.stars)
        reviews = Reviews.from_columns(
            self.stars,
            np.array(self.created_us, dtype=np.float64) / 1e6,
            self.verified,
            self.trust if self.trust is not None else np.ones(n),
        )
        return reviews if self.now_us is None else reviews.no_later_than(self.now_us / 1e6)

    def trust_source(self):  # a `candor.pipeline.run.TrustSource`
        if self.trust is None:
            return None
        trust = self.trust

        def source(valid):
            ids = [f"r{i}" for i in range(len(trust))]
            return pa.table(
                {"review_id": ids, "trust": trust, "reasons": pa.nulls(len(ids), pa.string())}
            )

        return source


trusts = st.sampled_from([0.0, 1.0, 1e-10, 1e-9, 3e-7]) | st.floats(0.0, 1.0)


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    size = draw(st.integers(1, 40))
    products = draw(st.integers(1, 4))
    # Dates spread over a century, or a few weeks (recency then differs most), and a
    # change of mind half way: old reviews five stars, recent ones one (the gate opens).
    span = draw(st.sampled_from([END_US - START_US, 60 * DAY_US, 3 * DAY_US]))
    start = draw(st.integers(START_US, END_US - span))
    created = draw(st.lists(st.integers(start, start + span), min_size=size, max_size=size))
    if draw(st.booleans()):
        middle = start + span // 2
        stars = [5 if moment < middle else 1 for moment in created]
    else:
        stars = draw(st.lists(st.integers(1, 5), min_size=size, max_size=size))
    with_trust, with_helpful = draw(st.booleans()), draw(st.booleans())
    return Corpus(
        product=draw(st.lists(st.integers(0, products - 1), min_size=size, max_size=size)),
        stars=stars,
        created_us=created,
        verified=draw(st.lists(st.booleans(), min_size=size, max_size=size)),
        trust=draw(st.lists(trusts, min_size=size, max_size=size)) if with_trust else None,
        helpful=(
            draw(st.lists(st.integers(0, 400), min_size=size, max_size=size))
            if with_helpful
            else None
        ),
        now_us=draw(st.none() | st.integers(start, start + span)),
        config=draw(st.sampled_from(CONFIGS)),
    )


def assert_sums_close(mine: np.ndarray, theirs: np.ndarray, reviews: np.ndarray, unit: float):
    """Equal to 1e-9 relative, besides what rounding each review's term to the unit
    may add (half a unit per review, and a unit for the float sums' own rounding)."""
    slack = 1e-9 * np.abs(theirs) + (reviews + 1) * unit
    assert np.all(np.abs(mine - theirs) <= slack), (mine, theirs)


@settings(max_examples=40, deadline=None)
@given(corpora())
def test_engine_sums_and_weights_are_the_python_definitions(corpus: Corpus):
    config = corpus.config
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.parquet"
        pq.write_table(corpus.table(), path)
        sources = prepare(find_files(path), Path(folder) / "staging", print)
        engine = connect("duckdb", threads=2)
        try:
            rows = corpus_rows(engine, sources, count_verified=True)
            summed = sum_reviews(
                engine, sources, rows, config, corpus.trust_source(), corpus.now_us
            )
            product_ids, sums = book_sums(summed)
            scores, _ = score_books(sums, config)
            weighed = review_rows(engine, summed, scores, config).to_pyarrow()
        finally:
            engine.close()

    # The products in the engine's order; each review's product as an index into it.
    position = {product_id: index for index, product_id in enumerate(product_ids)}
    books = np.array([position[f"b{p}"] for p in corpus.product], dtype=np.int64)
    reviews = corpus.reviews()
    expected = python_sums.book_sums(reviews, books, len(product_ids), config)
    per_book = np.bincount(books, minlength=len(product_ids))
    per_star = np.zeros((len(product_ids), 5), dtype=np.int64)
    np.add.at(per_star, (books, reviews.stars - 1), 1)

    assert np.array_equal(sums.counts, expected.counts)
    assert np.array_equal(sums.reference, expected.reference)
    for name in PER_STAR[1:]:
        assert_sums_close(getattr(sums, name), getattr(expected, name), per_star, summed.unit)
    for name in PER_BOOK[:-1]:
        assert_sums_close(getattr(sums, name), getattr(expected, name), per_book, summed.unit)

    # Each review's weight, with its product's reference, gate and scale.
    order = [int(review_id[1:]) for review_id in weighed["review_id"].to_pylist()]
    assert order == list(range(len(corpus.stars)))
    assert weighed["product_id"].to_pylist() == [f"b{p}" for p in corpus.product]
    want = review_weights(
        reviews, expected.reference[books], scores.gate[books], scores.scale[books], config
    )
    got = weighed["weight"].to_numpy()
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12), (got, want)
    trust = corpus.trust if corpus.trust is not None else [1.0] * len(corpus.stars)
    assert weighed["trust"].to_pylist() == trust


def test_the_sums_made_are_the_ones_that_can_differ():
    every = tuple(name for name in (*PER_STAR, *PER_BOOK) if name not in ("counts", "reference"))
    assert expressions.summed(with_trust=True) == every
    assert not [name for name in every if "helpful" in name]  # helpful votes weigh nothing
    without_trust = expressions.summed(with_trust=False)
    assert "base" not in without_trust and "evidence" not in without_trust
    assert set(without_trust) == {"purchase", "recent", "recent_squares", "cross", "base_squares"}


def test_no_sum_can_leave_64_bits():
    for config in CONFIGS:
        for rows in (1, 1000, 10_000_000, 3_000_000_000):
            unit = expressions.sum_unit(rows, config)
            assert rows * expressions.largest_summand(config) / unit < 2.0**62
            # A power of two, so that scaling by it is exact.
            assert unit == 2.0 ** round(np.log2(unit))
    assert expressions.sum_unit(10_000_000, DEFAULT_CONFIG) == 2.0**-38
