"""Small random corpora in Candor's schema or Amazon 2023's, for tests and benchmarks.

    python -m research.synthetic --reviews 1000000 --products 100000 --out r.parquet

Seeded: the same arguments give the same rows. Products are drawn with a skew (a few
have many reviews, most a handful); dates span four years up to 2025-01-01 UTC, 80 %
verified purchases, helpful votes geometric.
"""

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

END_US = 1_735_689_600_000_000  # 2025-01-01 UTC
SPAN_US = 4 * 365 * 86_400 * 1_000_000


def candor_table(reviews: int, products: int, seed: int = 1) -> pa.Table:
    """Candor's schema; created_at a UTC timestamp, ids strings."""
    rng = np.random.default_rng(seed)
    product = np.minimum((rng.pareto(1.2, reviews) * products / 20).astype(np.int64), products - 1)
    created = END_US - rng.integers(0, SPAN_US, reviews)
    return pa.table(
        {
            "review_id": pa.array(np.char.add("r", np.arange(reviews).astype(str))),
            "product_id": pa.array(np.char.add("p", product.astype(str))),
            "reviewer_id": pa.array(
                np.char.add("u", rng.integers(0, reviews // 3 + 1, reviews).astype(str))
            ),
            "rating": pa.array(rng.choice(5, reviews, p=[0.06, 0.07, 0.15, 0.3, 0.42]) + 1),
            "created_at": pa.array(created.astype("datetime64[us]")).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "verified_purchase": pa.array(rng.random(reviews) < 0.8),
            "helpful_votes": pa.array(rng.geometric(0.6, reviews) - 1),
            "title": pa.array(["A title"] * reviews),
            "text": pa.array(["Some words about the book."] * reviews),
        }
    )


def write(table: pa.Table, path: Path) -> Path:
    """Write in the format the name asks for: .parquet, .csv, .jsonl (.gz allowed)."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".parquet"):
        pq.write_table(table, path)
    elif name.endswith(".csv"):
        text = table
        if "created_at" in table.column_names:
            text = _iso_dates(table)
        if path.name.endswith(".gz"):
            with gzip.open(path, "wb") as out:
                pa_csv.write_csv(text, out)
        else:
            pa_csv.write_csv(text, path)
    else:
        rows = (
            _iso_dates(table).to_pylist()
            if "created_at" in table.column_names
            else table.to_pylist()
        )
        lines = "".join(json.dumps(row) + "\n" for row in rows).encode()
        if path.name.endswith(".gz"):
            path.write_bytes(gzip.compress(lines))
        else:
            path.write_bytes(lines)
    return path


def amazon_rows(table: pa.Table) -> list[dict[str, object]]:
    """The same reviews as Amazon Reviews 2023 records (parent_asin = product_id)."""
    rows = []
    for row in table.to_pylist():
        stamp = row["created_at"]
        rows.append(
            {
                "rating": float(row["rating"]),
                "title": row["title"],
                "text": row["text"],
                "images": [],
                "asin": f"{row['product_id']}-v",
                "parent_asin": row["product_id"],
                "user_id": row["reviewer_id"],
                "timestamp": int(stamp.timestamp() * 1000),
                "helpful_vote": row["helpful_votes"],
                "verified_purchase": row["verified_purchase"],
            }
        )
    return rows


def _iso_dates(table: pa.Table) -> pa.Table:
    index = table.column_names.index("created_at")
    dates = [stamp.isoformat() for stamp in table["created_at"].to_pylist()]
    return table.set_column(index, "created_at", pa.array(dates, pa.string()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(candor_table(args.reviews, args.products, args.seed), args.out)


if __name__ == "__main__":
    main()
