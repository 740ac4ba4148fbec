"""`candor score` gives the web's numbers: per product what `candor.ratings.rate` gives
its reviews (and `rate_books` the corpus), with the catalogue prior of the corpus."""

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pipeline_helpers import changed_mind, run_score

from candor.ratings import (
    DEFAULT_CONFIG,
    Prior,
    RatingConfig,
    ReviewInput,
    Reviews,
    rate,
    rate_books,
)
from candor.ratings.review import seconds_since_epoch
from research.synthetic import write

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


def reviews_of(table: pa.Table, trust: dict[str, float] | None = None) -> list[ReviewInput]:
    trust = trust or {}
    return [
        ReviewInput(
            row["rating"],
            row["created_at"],
            row["verified_purchase"],
            trust=trust.get(row["review_id"], 1.0),
        )
        for row in table.to_pylist()
    ]


def catalogue_prior(
    table: pa.Table,
    now: datetime,
    config: RatingConfig = DEFAULT_CONFIG,
    trust: dict[str, float] | None = None,
) -> tuple[Prior, dict[str, list[ReviewInput]], np.ndarray]:
    """The corpus's catalogue prior as the web makes it (`rate_books` with the typical
    book's prior, `Prior.from_books` of the mixes), each product's reviews, and each
    review's weight in `rate_books` with that prior (in the table's order)."""
    products = sorted(set(table["product_id"].to_pylist()))
    index = {product: i for i, product in enumerate(products)}
    items = reviews_of(table, trust)
    columns = Reviews.of(items)
    books = np.array([index[p] for p in table["product_id"].to_pylist()], dtype=np.int64)
    at = seconds_since_epoch(now)
    first = rate_books(
        columns, books, len(products), now=at, prior=Prior.typical(config), config=config
    )
    prior = Prior.from_books(first.scores.mix, first.scores.evidence, config)
    rated = rate_books(columns, books, len(products), now=at, prior=prior, config=config)
    by_product: dict[str, list[ReviewInput]] = defaultdict(list)
    for product, review in zip(table["product_id"].to_pylist(), items, strict=True):
        by_product[product].append(review)
    return prior, by_product, rated.weights


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
        assert got["shown"] == want["shown"]


def assert_every_product_as_rate(
    products: list[dict],
    by_product: dict[str, list[ReviewInput]],
    now: datetime,
    prior: Prior,
    config: RatingConfig = DEFAULT_CONFIG,
) -> None:
    assert [p["product_id"] for p in products] == sorted(by_product)
    for product in products:
        reviews = by_product[product["product_id"]]
        expected = rate(reviews, now=now, prior=prior, config=config).to_dict()
        assert_same_as_rate(product, expected)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_product_rating_equals_rate_with_the_catalogue_prior(tmp_path: Path, seed: int):
    table = random_corpus(seed)
    table = pa.concat_tables([table, pa.Table.from_pylist(changed_mind("zz"), table.schema)])
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", now=NOW)
    prior, by_product, weights = catalogue_prior(table, NOW)
    assert_every_product_as_rate(result.products, by_product, NOW, prior)
    # The catalogue prior is the corpus's, not the typical book's.
    assert prior.mean != pytest.approx(Prior.typical().mean, abs=1e-3)
    sentences = [f["sentence"] for p in result.products for f in p["explanation"]]
    assert any("the catalogue average of" in sentence for sentence in sentences)
    # Recency had its say in the product whose readers changed their mind, and only
    # because they did.
    changed = next(p for p in result.products if p["product_id"] == "zz")
    assert "recency" in [f["code"] for f in changed["explanation"]]
    # Each review's weight is its weight in rate_books.
    got = np.array([review["weight"] for review in result.reviews])
    assert np.allclose(got, weights, rtol=1e-9, atol=1e-12)


def test_the_weights_of_a_product_add_up_to_its_effective_count(tmp_path: Path):
    table = random_corpus(3, reviews=300)
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", now=NOW)
    totals: dict[str, float] = defaultdict(float)
    for review in result.reviews:
        totals[review["product_id"]] += review["weight"]
        assert review["trust"] == 1.0 and review["reasons"] == []
    for product in result.products:
        # Every trust is 1: the weights share out the count.
        assert product["effective_count"] == product["count"]
        assert totals[product["product_id"]] == pytest.approx(product["count"], rel=1e-12)


def test_default_now_is_the_newest_review(tmp_path: Path, corpus: pa.Table):
    path = write(corpus, tmp_path / "in.parquet")
    result = run_score(path, tmp_path / "out")
    newest = max(corpus["created_at"].to_pylist())
    assert result.summary.now == newest
    prior, by_product, _ = catalogue_prior(corpus, newest)
    assert_every_product_as_rate(result.products, by_product, newest, prior)
    # A later now changes nothing: a rating is a function of the reviews.
    later = run_score(path, tmp_path / "later", now=newest + timedelta(days=400))
    assert (later.out / "products.jsonl").read_bytes() == (
        result.out / "products.jsonl"
    ).read_bytes()
    assert (later.out / "reviews.jsonl").read_bytes() == (result.out / "reviews.jsonl").read_bytes()


def test_dates_after_now_count_as_now(tmp_path: Path):
    table = random_corpus(4, reviews=400, products=20)  # a tenth of the dates after NOW
    # Recency has its say here, and the recent reviews are all after NOW.
    future = pa.Table.from_pylist(changed_mind("zz", late=NOW + timedelta(days=30)), table.schema)
    table = pa.concat_tables([table, future])
    created = table["created_at"].to_pylist()
    assert any(moment > NOW for moment in created)
    clamped = pa.array([min(moment, NOW) for moment in created], table["created_at"].type)
    moved = table.set_column(table.schema.get_field_index("created_at"), "created_at", clamped)
    after = run_score(write(table, tmp_path / "a.parquet"), tmp_path / "a", now=NOW)
    present = run_score(write(moved, tmp_path / "b.parquet"), tmp_path / "b", now=NOW)
    assert after.products == present.products
    assert after.reviews == present.reviews
    changed = next(p for p in after.products if p["product_id"] == "zz")
    assert "recency" in [f["code"] for f in changed["explanation"]]


def test_default_now_skips_a_bad_row_newer_than_every_review(tmp_path: Path, corpus: pa.Table):
    # The newest row of the file has no rating: now is the newest *valid* review.
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
    # Sums are exact integers (in units of a power of two), so many threads adding
    # partial sums in any order give the same bits.
    table = random_corpus(6, reviews=40_000, products=30)
    path = tmp_path / "in.parquet"
    pq.write_table(table, path, row_group_size=1000)  # many row groups: many threads
    first = run_score(path, tmp_path / "a", threads=4)
    for name in ("b", "c"):
        run_score(path, tmp_path / name, threads=4)
        for output in ("products.jsonl", "reviews.jsonl"):
            again = (tmp_path / name / output).read_bytes()
            assert again == (first.out / output).read_bytes()


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
    prior, by_product, weights = catalogue_prior(table, NOW, trust=trusted)
    assert_every_product_as_rate(result.products, by_product, NOW, prior)
    got = np.array([review["weight"] for review in result.reviews])
    assert np.allclose(got, weights, rtol=1e-9, atol=1e-12)
    assert any(f["code"] == "trust" for p in result.products for f in p["explanation"])
    # The evidence is the sum of trust.
    doubted = {reviews[r]["product_id"] for r in trusted}
    for product in result.products:
        if product["product_id"] in doubted:
            assert product["effective_count"] < product["count"]


def test_a_product_whose_reviews_all_have_trust_0_has_no_rating(tmp_path: Path):
    table = pa.Table.from_pylist(changed_mind("a") + changed_mind("b"))
    doubted = {f"a-{i}" for i in range(20)}

    def trust(reviews):
        ids = sorted(doubted)
        return pa.table({"review_id": ids, "trust": [0.0] * 20, "reasons": [["burst"]] * 20})

    result = run_score(write(table, tmp_path / "in.jsonl"), tmp_path / "out", trust=trust)
    nothing, counted = result.products
    assert nothing["rating"] is None and nothing["interval"] is None
    assert nothing["count"] == 20 and nothing["effective_count"] == 0.0
    assert [f["code"] for f in nothing["explanation"]] == ["simple_average", "nothing_counts"]
    assert counted["rating"] is not None
    weights = {review["review_id"]: review["weight"] for review in result.reviews}
    assert all(weights[review_id] == 0.0 for review_id in doubted)


@pytest.mark.parametrize("half_life_days", [730.0, 1.0])
def test_other_half_lives_and_dates_far_apart(tmp_path: Path, half_life_days: float):
    # Dates from 1901 on and a one-day half-life: most weights down to the floor, and
    # the sums still as rate() makes them.
    config = RatingConfig(half_life_days=half_life_days)
    table = random_corpus(5, reviews=300, products=15, since=datetime(1901, 1, 1))
    far = pa.Table.from_pylist(changed_mind("zz"), table.schema)
    table = pa.concat_tables([table, far])
    result = run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", config=config)
    newest = max(table["created_at"].to_pylist())
    assert result.summary.now == newest
    prior, by_product, _ = catalogue_prior(table, newest, config)
    assert_every_product_as_rate(result.products, by_product, newest, prior, config)


@pytest.mark.parametrize("with_trust", [False, True])
def test_helpful_votes_weigh_nothing(tmp_path: Path, with_trust: bool):
    # An imported file can carry any count: a review with 300 helpful votes weighs
    # exactly what the same review with none weighs, and the votes move no rating.
    table = random_corpus(7, reviews=300, products=20)
    pair = [
        {**row, "review_id": f"pair-{votes}", "reviewer_id": f"pair-u{votes}",
         "product_id": "pair", "helpful_votes": votes}
        for row, votes in zip(changed_mind("pair")[:2], (300, 0), strict=True)
    ]  # fmt: skip
    pair[1]["created_at"] = pair[0]["created_at"]
    table = pa.concat_tables([table, pa.Table.from_pylist(pair, table.schema)])
    votes = table.schema.get_field_index("helpful_votes")
    trust = None
    if with_trust:
        doubted = {"r1": 0.0, "r2": 0.25, "r3": 0.5}

        def trust(reviews):  # type: ignore[no-untyped-def]
            ids = list(doubted)
            return pa.table({"review_id": ids, "trust": list(doubted.values()),
                             "reasons": [["burst"]] * len(ids)})  # fmt: skip

    runs = {}
    for name, counts in {
        "as imported": table["helpful_votes"],
        "none": pa.array([0] * table.num_rows, table["helpful_votes"].type),
        "300 each": pa.array([300] * table.num_rows, table["helpful_votes"].type),
    }.items():
        changed = table.set_column(votes, "helpful_votes", counts)
        path = write(changed, tmp_path / f"{len(runs)}.parquet")
        runs[name] = run_score(path, tmp_path / f"out{len(runs)}", now=NOW, trust=trust)
    first = runs["as imported"]
    for other in runs.values():
        for output in ("products.jsonl", "reviews.jsonl"):
            assert (other.out / output).read_bytes() == (first.out / output).read_bytes()
    weights = {r["review_id"]: r["weight"] for r in first.reviews}
    assert weights["pair-300"] == weights["pair-0"] == 1.0
    codes = {f["code"] for p in first.products for f in p["explanation"]}
    assert "helpful_votes" not in codes
