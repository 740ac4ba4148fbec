"""`candor score` gives the web's numbers: the same as `candor.ratings.rate` per product."""

import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pipeline_helpers import run_score

from candor.pipeline.synthetic import write
from candor.ratings import DEFAULT_CONFIG, Prior, RatingConfig, ReviewInput, rate
from candor.ratings.batch import StarSums, percentages, score

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def random_corpus(
    seed: int, reviews: int = 800, products: int = 60, since: datetime = datetime(2012, 1, 1)
) -> pa.Table:
    """Ratings, dates (some after NOW), verified flags and helpful votes all random."""
    rng = np.random.default_rng(seed)
    start = int(since.replace(tzinfo=UTC).timestamp() * 1e6)
    end = int(datetime(2025, 6, 1, tzinfo=UTC).timestamp() * 1e6)  # after NOW: age 0
    created = rng.integers(start, end, reviews)
    return pa.table(
        {
            "review_id": [f"r{i}" for i in range(reviews)],
            "product_id": [f"b{i}" for i in rng.integers(0, products, reviews)],
            "reviewer_id": [f"u{i}" for i in rng.integers(0, 300, reviews)],
            "rating": rng.integers(1, 6, reviews),
            "created_at": pa.array(created.astype("datetime64[us]")).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "verified_purchase": rng.random(reviews) < 0.6,
            "helpful_votes": rng.choice([0, 0, 0, 1, 2, 5, 40, 300], reviews),
            "title": ["t"] * reviews,
            "text": ["x"] * reviews,
        }
    )


def by_product(table: pa.Table) -> tuple[dict[str, list[ReviewInput]], Prior]:
    products: dict[str, list[ReviewInput]] = defaultdict(list)
    stars: dict[int, int] = defaultdict(int)
    for row in table.to_pylist():
        review = ReviewInput(
            row["rating"],
            row["created_at"],
            row["verified_purchase"],
            helpful_votes=row["helpful_votes"],
        )
        products[row["product_id"]].append(review)
        stars[row["rating"]] += 1
    prior = Prior.from_star_counts(stars, DEFAULT_CONFIG.prior_strength)
    return products, prior


def assert_same_as_rate(scored: dict, expected: dict) -> None:
    assert scored["count"] == expected["count"]
    assert scored["stars"] == expected["stars"]
    for field in ("rating", "effective_count"):
        assert math.isclose(scored[field], expected[field], rel_tol=1e-9, abs_tol=1e-12), field
    for got, want in zip(scored["interval"], expected["interval"], strict=True):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    got_factors, want_factors = scored["explanation"], expected["explanation"]
    assert [f["code"] for f in got_factors] == [f["code"] for f in want_factors]
    assert [f["sentence"] for f in got_factors] == [f["sentence"] for f in want_factors]
    for got, want in zip(got_factors, want_factors, strict=True):
        assert math.isclose(got["delta"], want["delta"], rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_product_rating_equals_rate_with_the_corpus_prior(tmp_path: Path, seed: int):
    table = random_corpus(seed)
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", now=NOW)
    products, prior = by_product(table)
    scored = result.products
    assert sorted(p["product_id"] for p in scored) == sorted(products)
    for product in scored:
        expected = rate(products[product["product_id"]], now=NOW, prior=prior).to_dict()
        assert_same_as_rate(product, expected)


def test_default_now_is_the_newest_review(tmp_path: Path, corpus: pa.Table):
    result = run_score(write(corpus, tmp_path / "in.parquet"), tmp_path / "out")
    newest = max(corpus["created_at"].to_pylist())
    assert result.summary.now == newest
    products, prior = by_product(corpus)
    for product in result.products[:10]:
        expected = rate(products[product["product_id"]], now=newest, prior=prior).to_dict()
        assert_same_as_rate(product, expected)


def test_default_now_skips_a_bad_row_newer_than_every_review(tmp_path: Path, corpus: pa.Table):
    # The newest row of the file has no rating: now is the newest *valid* review, found
    # by a pass over the rows (the file's statistics would give the bad row's time).
    newest = max(corpus["created_at"].to_pylist())
    later = pa.array([newest.replace(year=newest.year + 1)], corpus.schema.field("created_at").type)
    bad = corpus.slice(0, 1).set_column(
        corpus.schema.get_field_index("created_at"), "created_at", later
    )
    bad = bad.set_column(
        bad.schema.get_field_index("rating"), "rating", pa.nulls(1, corpus["rating"].type)
    )
    table = pa.concat_tables([corpus, bad])
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out")
    assert result.summary.rejected == 1
    assert result.summary.now == newest


def test_runs_are_identical_whatever_order_the_engine_adds_rows_in(tmp_path: Path):
    # Weights are summed as exact integers (units of 2 ** -54), so many threads adding
    # partial sums in any order give the same bits.
    table = random_corpus(6, reviews=40_000, products=30)
    path = tmp_path / "in.parquet"
    pq.write_table(table, path, row_group_size=1000)  # many row groups: many threads
    first = run_score(path, tmp_path / "a", threads=4)
    for name in ("b", "c"):
        run_score(path, tmp_path / name, threads=4)
        again = (tmp_path / name / "products.jsonl").read_bytes()
        assert again == (first.out / "products.jsonl").read_bytes()


def test_review_weights_are_the_engine_weights(tmp_path: Path):
    table = random_corpus(3, reviews=200)
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", now=NOW)
    rows = {row["review_id"]: row for row in table.to_pylist()}
    for review in result.reviews:
        row = rows[review["review_id"]]
        single = ReviewInput(
            row["rating"],
            row["created_at"],
            row["verified_purchase"],
            helpful_votes=row["helpful_votes"],
        )
        expected = rate([single], now=NOW).effective_count
        assert math.isclose(review["weight"], expected, rel_tol=1e-9)
        assert review["trust"] == 1.0 and review["reasons"] == []


def test_a_trust_table_joins_in_before_weighting(tmp_path: Path):
    table = random_corpus(4, reviews=300, products=20)
    trusted = {"r1": 0.0, "r2": 0.25, "r3": 0.5}

    def trust(reviews):
        return pa.table(
            {
                "review_id": list(trusted),
                "trust": list(trusted.values()),
                "reasons": [["burst"], ["burst", "duplicate_text"], []],
            }
        )

    result = run_score(
        write(table, tmp_path / "in.parquet"), tmp_path / "out", now=NOW, trust=trust
    )
    reviews = {review["review_id"]: review for review in result.reviews}
    assert reviews["r1"]["trust"] == 0.0 and reviews["r1"]["weight"] == 0.0
    assert reviews["r2"]["reasons"] == ["burst", "duplicate_text"]
    assert reviews["r5"]["trust"] == 1.0 and reviews["r5"]["reasons"] == []
    products: dict[str, list[ReviewInput]] = defaultdict(list)
    stars: dict[int, int] = defaultdict(int)
    for row in table.to_pylist():
        products[row["product_id"]].append(
            ReviewInput(
                row["rating"],
                row["created_at"],
                row["verified_purchase"],
                trust=trusted.get(row["review_id"], 1.0),
                helpful_votes=row["helpful_votes"],
            )
        )
        stars[row["rating"]] += 1
    prior = Prior.from_star_counts(stars, 5.0)
    for product in result.products:
        expected = rate(products[product["product_id"]], now=NOW, prior=prior).to_dict()
        assert_same_as_rate(product, expected)
    assert any(f["code"] == "trust" for p in result.products for f in p["explanation"])


def test_the_batch_core_for_one_book_is_what_rate_shows():
    # Reviews of a book as the scalar path sees them, run through the core directly.
    config = RatingConfig()
    reviews = [
        ReviewInput(5, NOW, True),
        ReviewInput(1, datetime(2023, 1, 1, tzinfo=UTC), False, helpful_votes=3),
        ReviewInput(4, datetime(2024, 6, 1, tzinfo=UTC), True, trust=0.5),
    ]
    expected = rate(reviews, now=NOW)
    weights = [rate([review], now=NOW).effective_count for review in reviews]
    counts = np.zeros((1, 5), dtype=np.int64)
    full = np.zeros((1, 5))
    for review, weight in zip(reviews, weights, strict=True):
        counts[0, review.rating - 1] += 1
        full[0, review.rating - 1] += weight
    # Only the final stage matters for the rating; earlier stages feed the explanation.
    scores = score(StarSums(counts, full, full, full, full), Prior.typical(config), config)
    assert math.isclose(scores.rating[0], expected.rating or 0, rel_tol=1e-12)
    assert math.isclose(scores.effective_count[0], expected.effective_count, rel_tol=1e-12)
    assert scores.stars[0, ::-1].tolist() == list(expected.stars.values())


def test_vectorised_percentages_round_like_the_page():
    rows = np.array([[0, 0, 1, 1, 1], [1, 1, 1, 1, 2], [0.006, 0, 0, 0, 0.994], [0, 0, 0, 0, 0]])
    assert percentages(rows).tolist() == [
        [0, 0, 33, 33, 34],
        [16, 17, 17, 17, 33],
        [1, 0, 0, 0, 99],
        [0, 0, 0, 0, 0],
    ]


@pytest.mark.parametrize("half_life_days", [730.0, 1.0])
def test_without_now_the_newest_review_sets_the_ages(tmp_path: Path, half_life_days: float):
    # With a one-day half-life the newest review is too far from the fixed anchor for
    # the one-pass rescaling; the scorer must sum again at now and still agree with
    # rate(). (Its reviews span a month: weights under 2 ** -54 are summed as 0.)
    config = RatingConfig(half_life_days=half_life_days)
    since = datetime(2012, 1, 1) if half_life_days > 1 else datetime(2025, 5, 1)
    table = random_corpus(5, reviews=300, products=15, since=since)
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", config=config)
    newest = max(table["created_at"].to_pylist())
    assert result.summary.now == newest
    products, _ = by_product(table)
    stars: dict[int, int] = defaultdict(int)
    for rating in table["rating"].to_pylist():
        stars[rating] += 1
    prior = Prior.from_star_counts(stars, config.prior_strength)
    for product in result.products:
        reviews = products[product["product_id"]]
        expected = rate(reviews, now=newest, prior=prior, config=config).to_dict()
        assert_same_as_rate(product, expected)
