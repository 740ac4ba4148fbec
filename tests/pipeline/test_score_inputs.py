"""`candor score` inputs: formats, schemas, folders, bad rows, --strict, --now, outputs."""

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pipeline_helpers import assert_rows_close, changed_mind, run_score

from candor.pipeline.output import PRODUCT_FIELDS, REJECT_FIELDS, REVIEW_FIELDS
from candor.pipeline.run import StrictStop
from candor.pipeline.sources import InputError
from candor.pipeline.trust import CorpusTrust
from candor.trust.score import ALL_SIGNALS
from research.synthetic import amazon_rows, write

NOW = datetime(2025, 1, 1, tzinfo=UTC)
HEADER = (
    "review_id,product_id,reviewer_id,rating,created_at,verified_purchase,helpful_votes,"
    "title,text\n"
)


def test_output_fields_are_exactly_as_specified(tmp_path: Path, corpus: pa.Table):
    result = run_score(write(corpus, tmp_path / "in.parquet"), tmp_path / "out", now=NOW)
    assert PRODUCT_FIELDS == (
        "product_id",
        "rating",
        "count",
        "stars",
        "interval",
        "effective_count",
        "explanation",
    )
    assert REVIEW_FIELDS == ("review_id", "product_id", "reviewer_id", "trust", "weight", "reasons")
    for product in result.products:
        assert list(product) == list(PRODUCT_FIELDS)
        assert list(product["stars"]) == ["5", "4", "3", "2", "1"]
        assert sum(product["stars"].values()) == 100
        assert len(product["interval"]) == 2
        for factor in product["explanation"]:
            assert list(factor) == ["code", "label", "delta", "shown", "sentence"]
    for review in result.reviews:
        assert list(review) == list(REVIEW_FIELDS)
    assert len(result.reviews) == corpus.num_rows
    assert [r["review_id"] for r in result.reviews] == corpus["review_id"].to_pylist()
    ids = [p["product_id"] for p in result.products]
    assert ids == sorted(ids) and len(ids) == len(set(corpus["product_id"].to_pylist()))


def test_a_files_verified_flags_weigh_only_when_counted(tmp_path: Path, corpus: pa.Table):
    """Whoever made the file can set the flags: by default (`candor score` without
    --count-verified) turning every flag on or off changes no rating; counted, it does."""
    flipped = corpus.set_column(
        corpus.schema.get_field_index("verified_purchase"),
        "verified_purchase",
        pa.array([True] * len(corpus)),
    )

    def ratings(table: pa.Table, name: str, counted: bool) -> list[float]:
        path = write(table, tmp_path / f"{name}.parquet")
        scored = run_score(path, tmp_path / name, now=NOW, count_verified=counted)
        return [product["rating"] for product in scored.products]

    assert ratings(corpus, "a", False) == ratings(flipped, "b", False)
    assert ratings(corpus, "c", True) != ratings(flipped, "d", True)


@pytest.mark.parametrize("name", ["in.csv", "in.csv.gz", "in.jsonl", "in.jsonl.gz"])
def test_csv_and_jsonl_give_what_parquet_gives(tmp_path: Path, corpus: pa.Table, name: str):
    parquet = run_score(write(corpus, tmp_path / "in.parquet"), tmp_path / "a", now=NOW)
    other = run_score(write(corpus, tmp_path / name), tmp_path / "b", now=NOW)
    assert (tmp_path / "a/products.jsonl").read_bytes() == (
        tmp_path / "b/products.jsonl"
    ).read_bytes()
    assert (tmp_path / "a/reviews.jsonl").read_bytes() == (
        tmp_path / "b/reviews.jsonl"
    ).read_bytes()
    assert other.summary.rows == parquet.summary.rows == corpus.num_rows


def test_a_folder_of_mixed_files_is_one_corpus(tmp_path: Path, corpus: pa.Table):
    whole = run_score(write(corpus, tmp_path / "all.parquet"), tmp_path / "whole", now=NOW)
    folder = tmp_path / "folder"
    (folder / "nested").mkdir(parents=True)
    write(corpus.slice(0, 200), folder / "a.csv")
    write(corpus.slice(200, 200), folder / "b.jsonl.gz")
    write(corpus.slice(400), folder / "nested" / "c.parquet")
    (folder / "README.md").write_text("not input")
    mixed = run_score(folder, tmp_path / "mixed", now=NOW)
    assert mixed.summary.files == 3
    # The same sums, added up in another order: equal to float rounding.
    assert_rows_close(mixed.products, whole.products)
    assert_rows_close(mixed.reviews, whole.reviews)


def amazon_jsonl(path: Path, corpus: pa.Table) -> Path:
    lines = "".join(json.dumps(row) + "\n" for row in amazon_rows(corpus))
    path.write_bytes(gzip.compress(lines.encode()))
    return path


def test_amazon_2023_jsonl_is_detected_and_scored(tmp_path: Path, corpus: pa.Table):
    candor = run_score(write(corpus, tmp_path / "in.parquet"), tmp_path / "c", now=NOW)
    amazon = run_score(amazon_jsonl(tmp_path / "Books.jsonl.gz", corpus), tmp_path / "a", now=NOW)
    # Amazon's times are whole milliseconds: the same ratings to well within 1e-9.
    for mine, theirs in zip(candor.products, amazon.products, strict=True):
        assert mine["product_id"] == theirs["product_id"]
        assert mine["count"] == theirs["count"]
        assert mine["rating"] == pytest.approx(theirs["rating"], rel=1e-9)
    first = amazon_rows(corpus)[0]
    review = amazon.reviews[0]
    assert review["review_id"] == f"{first['user_id']}:{first['parent_asin']}:{first['timestamp']}"
    assert review["product_id"] == first["parent_asin"]
    assert review["reviewer_id"] == first["user_id"]


def test_amazon_bad_rows_name_amazon_columns(tmp_path: Path):
    good = {
        "rating": 5.0,
        "title": "",
        "text": "",
        "asin": "A1",
        "parent_asin": "P1",
        "user_id": "U1",
        "timestamp": 1700000000000,
        "helpful_vote": 0,
        "verified_purchase": True,
    }
    rows = [
        good,
        {**good, "parent_asin": None},
        {**good, "timestamp": "soon"},
        {**good, "user_id": ""},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_score(path, tmp_path / "out")
    assert [(r["line"], r["reason"]) for r in result.rejects] == [
        (2, "parent_asin: missing"),
        (3, "timestamp: not a whole number of milliseconds ('soon')"),
        (4, "user_id: missing"),
    ]


BAD_CSV = (
    HEADER
    + "r1,p1,u1,5,2024-05-01T10:00:00Z,true,3,,\n"
    + "r2,p1,u2,6,2024-05-01,false,0,,\n"
    + "r3,p1,u3,five,2024-05-01,false,0,,\n"
    + "r4,,u4,4,2024-05-01,true,0,,\n"
    + "r5,p2,u5,4,yesterday,true,0,,\n"
    + 'r6,p2,u6,3,2024-05-02,true,0,"a title\nover two lines",\n'
    + "r7,p2,u7,4.5,2024-05-01,true,0,,\n"
    + "r8,p2,u8,4,2024-05-01,maybe,0,,\n"
    + "r9,p2,u9,4,2024-05-01,true,-2,,\n"
    + "r10,p2,u10,2,2024-05-03\n"
    + "\n"
    + "r11,p3,,1,2024-05-03 08:00:00+02:00,,,,\n"
)


def test_bad_rows_are_reported_with_file_line_and_reason_and_skipped(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    path.write_text(BAD_CSV)
    result = run_score(path, tmp_path / "out", now=NOW)
    assert [(r["line"], r["reason"]) for r in result.rejects] == [
        (3, "rating: not a whole number of stars 1..5 ('6')"),
        (4, "rating: not a number ('five')"),
        (5, "product_id: missing"),
        (6, "created_at: not an ISO 8601 date ('yesterday')"),
        (9, "rating: not a whole number of stars 1..5 ('4.5')"),
        (10, "verified_purchase: not true or false ('maybe')"),
        (11, "helpful_votes: not a whole number >= 0 ('-2')"),
        (12, "expected 9 fields, got 5"),
    ]
    assert all(list(r) == list(REJECT_FIELDS) and r["file"] == str(path) for r in result.rejects)
    assert {r["review_id"] for r in result.reviews} == {"r1", "r6", "r11"}
    assert result.summary.rejected == 8 and result.summary.reviews == 3
    assert result.summary.rows == 11
    assert f"rejected: {path}:3: rating: not a whole number of stars 1..5 ('6')" in result.messages
    # Missing reviewer, verified flag and helpful votes are allowed (unknown, no, 0):
    # r11 is p3's only review, so it carries all of p3's evidence.
    r11 = next(r for r in result.reviews if r["review_id"] == "r11")
    assert r11["reviewer_id"] is None and r11["trust"] == 1.0 and r11["weight"] == 1.0
    p3 = next(p for p in result.products if p["product_id"] == "p3")
    assert p3["count"] == 1 and p3["effective_count"] == 1.0


def test_bad_json_lines_and_parquet_rows_are_reported(tmp_path: Path, corpus: pa.Table):
    good = json.dumps(
        {"review_id": "a", "product_id": "p", "rating": 4, "created_at": "2024-01-01"}
    )
    path = tmp_path / "in.jsonl"
    path.write_text(f"{good}\n{{not json\n\n[1, 2]\n{good.replace('4', '0')}\n")
    result = run_score(path, tmp_path / "out")
    reasons = [(r["line"], r["reason"].split(" (")[0]) for r in result.rejects]
    assert reasons == [
        (2, "not valid JSON"),
        (4, "not a JSON object"),
        (5, "rating: not a whole number of stars 1..5"),
    ]
    table = corpus.slice(0, 5)
    ratings = table["rating"].to_pylist()
    ratings[3] = None
    table = table.set_column(3, "rating", pa.array(ratings, table["rating"].type))
    pq.write_table(table, tmp_path / "in.parquet")
    result = run_score(tmp_path / "in.parquet", tmp_path / "out2")
    assert [(r["line"], r["reason"]) for r in result.rejects] == [(4, "rating: missing")]


def test_a_corpus_of_bad_rows_only_scores_nothing(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    path.write_text(HEADER + "r1,p1,u1,6,2024-05-01,true,0,,\nr2,,u2,4,2024-05-01,true,0,,\n")
    result = run_score(path, tmp_path / "out")
    assert [r["line"] for r in result.rejects] == [2, 3]
    assert result.products == [] and result.reviews == []
    assert result.summary.products == result.summary.reviews == 0
    assert "now = none (nothing to score)" in result.summary.text()


def test_strict_stops_at_the_first_bad_row(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    path.write_text(BAD_CSV)
    with pytest.raises(StrictStop) as stop:
        run_score(path, tmp_path / "out", strict=True)
    assert str(stop.value) == f"{path}:3: rating: not a whole number of stars 1..5 ('6')"
    assert not (tmp_path / "out/products.jsonl").exists()
    assert not (tmp_path / "out/reviews.jsonl").exists()
    assert len((tmp_path / "out/rejects.jsonl").read_text().splitlines()) == 1


def test_now_makes_runs_reproducible(tmp_path: Path, corpus: pa.Table):
    # With a product whose readers changed their mind: recency has a say in it.
    changed = pa.Table.from_pylist(changed_mind("zz"), corpus.schema)
    path = write(pa.concat_tables([corpus, changed]), tmp_path / "in.jsonl")
    later = datetime(2026, 3, 1, tzinfo=UTC)
    run_score(path, tmp_path / "a", now=later)
    run_score(path, tmp_path / "b", now=later)
    for name in ("products.jsonl", "reviews.jsonl", "rejects.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # Only dates after now depend on it (they count as now): a now before every
    # review's date rates every product as if all its reviews came at once.
    earlier = run_score(path, tmp_path / "c", now=datetime(2000, 1, 1, tzinfo=UTC))
    assert earlier.products != run_score(path, tmp_path / "d", now=later).products
    assert earlier.summary.now == datetime(2000, 1, 1, tzinfo=UTC)


def test_unknown_columns_and_missing_input_are_input_errors(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("isbn,stars\n123,5\n")
    with pytest.raises(InputError, match="match neither Candor's schema"):
        run_score(path, tmp_path / "out")
    with pytest.raises(InputError, match="no such file"):
        run_score(tmp_path / "missing", tmp_path / "out")


SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "amazon_mcauley_small_samples"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not here")
def test_a_real_amazon_sample_as_2023_jsonl(tmp_path: Path):
    """Amazon's 2018 fashion 5-core sample, rewritten as Amazon 2023 records.

    Only the field names differ (overall -> rating, asin -> parent_asin, reviewerID ->
    user_id, unixReviewTime in seconds -> timestamp in ms, vote -> helpful_vote), so
    this runs real review data through the Amazon reader.
    """
    records = []
    with gzip.open(SHARED / "AMAZON_FASHION_5.json.gz", "rt") as lines:
        for line in lines:
            row = json.loads(line)
            records.append(
                {
                    "rating": row.get("overall"),
                    "title": row.get("summary", ""),
                    "text": row.get("reviewText", ""),
                    "asin": row["asin"],
                    "parent_asin": row["asin"],
                    "user_id": row["reviewerID"],
                    "timestamp": row["unixReviewTime"] * 1000,
                    "helpful_vote": int(str(row.get("vote", "0")).replace(",", "")),
                    "verified_purchase": row.get("verified", False),
                }
            )
    path = tmp_path / "AMAZON_FASHION.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    result = run_score(path, tmp_path / "out")
    assert result.summary.rows == len(records) == 3176
    assert result.summary.rejected == sum(r["rating"] is None for r in records)
    assert result.summary.products == len({r["parent_asin"] for r in records if r["rating"]})
    assert all(1 <= p["rating"] <= 5 for p in result.products)
    assert all(r["reason"] == "rating: missing" for r in result.rejects)
    # With trust analysis (titles and texts read from the Amazon records), the same rows.
    trust = CorpusTrust()
    trusted = run_score(path, tmp_path / "trusted", trust=trust)
    assert [r["review_id"] for r in trusted.reviews] == [r["review_id"] for r in result.reviews]
    assert any(r["reasons"] for r in trusted.reviews)
    assert trust.report.signals == ALL_SIGNALS


def test_products_written_by_several_processes_are_the_same_file(
    tmp_path: Path, corpus: pa.Table, monkeypatch: pytest.MonkeyPatch
):
    from candor.pipeline import output

    path = write(corpus, tmp_path / "in.parquet")
    run_score(path, tmp_path / "one", now=NOW, threads=1)
    monkeypatch.setattr(output, "PARALLEL_RESULTS", 2)
    monkeypatch.setattr(output, "PRODUCTS_PER_BLOCK", 7)
    run_score(path, tmp_path / "three", now=NOW, threads=3)
    one = (tmp_path / "one/products.jsonl").read_bytes()
    assert one == (tmp_path / "three/products.jsonl").read_bytes()
    assert len(one.splitlines()) == len(set(corpus["product_id"].to_pylist()))


def test_products_alike_share_one_result_each_as_results_makes_it(tmp_path: Path):
    """Many products of one review each, alike but for their dates, verified flags and
    ids: their results are made once per kind, and every line is still what `results`
    gives the product itself."""
    from candor.pipeline.engines import connect
    from candor.pipeline.output import distinct_results
    from candor.pipeline.run import book_sums, corpus_rows, score_books, sum_reviews
    from candor.pipeline.sources import find_files, prepare
    from candor.ratings import DEFAULT_CONFIG, results

    rows = [
        {
            "review_id": f"r{i}",
            "product_id": f"p{i:03d}",
            "rating": 1 + i % 3,
            "created_at": datetime(2020, 1, 1 + i % 28, tzinfo=UTC),
            "verified_purchase": i % 2 == 0,
            "helpful_votes": 0,
        }
        for i in range(120)
    ]
    path = write(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    result = run_score(path, tmp_path / "out")
    engine = connect("duckdb")
    try:
        sources = prepare(find_files(path), tmp_path / "staging", print)
        summed = sum_reviews(
            engine, sources, corpus_rows(engine, sources), DEFAULT_CONFIG, None, None
        )
        product_ids, sums = book_sums(summed)
    finally:
        engine.close()
    scores, prior = score_books(sums, DEFAULT_CONFIG)
    first, groups = distinct_results(scores)
    # One review a product: only its stars make a difference (its share is all).
    assert first.tolist() == [0, 1, 2]
    assert groups.tolist() == [i % 3 for i in range(120)]
    expected = [
        {"product_id": product_id, **own.to_dict()}
        for product_id, own in zip(product_ids, results(scores, prior), strict=True)
    ]
    assert result.products == expected


def test_huge_and_far_off_values_are_rejected_not_fatal(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER
        + "r1,p1,u1,1e300,2024-01-01,true,0,,\n"
        + "r2,p1,u1,5,2024-01-01,true,1e300,,\n"
        + "r3,p1,u1,5,99999-01-01,true,1,,\n"
        + "r4,p1,u1,nan,1850-01-01,true,1,,\n"
        + "r5,p1,u1, 5 , 2024-01-01 ,TRUE, 2 ,,\n"
    )
    result = run_score(path, tmp_path / "out")
    assert [(r["line"], r["reason"].split(" (")[0]) for r in result.rejects] == [
        (2, "rating: not a whole number of stars 1..5"),
        (3, "helpful_votes: not a whole number >= 0"),
        (4, "created_at: not between the years 1900 and 2199"),
        (5, "rating: not a whole number of stars 1..5"),
    ]
    assert [r["review_id"] for r in result.reviews] == ["r5"]
