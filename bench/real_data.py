"""The real review datasets in ../shared/data as one kind of table (`Corpus`).

Each loader reads one dataset as its README describes it (never a copy in this
repository) and returns the columns the rating engine and the trust analysis read:

- ``YelpNYC``, ``YelpChi``, ``YelpZip`` (Rayana & Akoglu 2015): restaurants and hotels,
  no texts; ``honest`` is Yelp's "recommended" label;
- ``amazon_books`` (999 book reviews, 112 books), ``amazon_kindle`` (4,905 Kindle book
  reviews, nearly one per book), ``amazon_fashion`` (the 2018 fashion 5-core with its
  real verified flags; a review repeated across product variants is kept once, on the
  first product it appears on), ``amazon_electronics`` (56,662 reviews of 21 products,
  2023, verified flags and helpful votes, no reviewer ids): every review ``honest``.

Set ``CANDOR_SHARED_DATA`` to read the data from elsewhere.
"""

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from candor.ratings import Reviews as RatingReviews
from candor.trust.table import Reviews as TrustReviews
from research.evaluate_yelp import load_yelp, shared_data_root

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

AMAZON_SMALL = "amazon_mcauley_small_samples"
AMAZON_2023 = "amazon_scraped_2023_electronics_kindle"


@dataclass(frozen=True)
class Corpus:
    name: str
    product: IntArray  # dense codes 0..n_products-1
    reviewer: IntArray  # dense codes; a review without a reviewer id has a code of its own
    stars: IntArray
    seconds: FloatArray  # seconds since 1970 UTC
    verified: BoolArray
    helpful: IntArray
    honest: BoolArray
    text: list[str] | None

    def __len__(self) -> int:
        return len(self.stars)

    @property
    def n_products(self) -> int:
        return int(self.product.max()) + 1 if len(self) else 0

    def subset(self, rows: BoolArray) -> "Corpus":
        """The reviews in ``rows`` (product and reviewer codes kept as they are)."""
        index = np.flatnonzero(rows)
        return Corpus(
            self.name,
            self.product[rows],
            self.reviewer[rows],
            self.stars[rows],
            self.seconds[rows],
            self.verified[rows],
            self.helpful[rows],
            self.honest[rows],
            None if self.text is None else [self.text[int(i)] for i in index],
        )

    @property
    def counted_verified(self) -> BoolArray:
        """The verified flags Candor counts in these files, as `candor score` does by
        default: none (whoever made a file can set them; ``--count-verified`` is for a
        file from a shop whose orders the operator trusts)."""
        return np.zeros(len(self), bool)

    def rating_reviews(self, trust: FloatArray | None = None) -> RatingReviews:
        """The rating engine's columns (trust 1 unless given; helpful votes weigh
        nothing, so they are not among them)."""
        return RatingReviews.from_columns(
            self.stars,
            self.seconds,
            self.counted_verified,
            np.ones(len(self)) if trust is None else trust,
        )

    def trust_reviews(self) -> TrustReviews:
        """The trust analysis' table (product and reviewer codes re-coded densely)."""
        _, product = np.unique(self.product, return_inverse=True)
        _, reviewer = np.unique(self.reviewer, return_inverse=True)
        return TrustReviews(
            review_id=[f"{self.name}:{i}" for i in range(len(self))],
            product=product.astype(np.int64),
            reviewer=reviewer.astype(np.int64),
            rating=self.stars,
            time=self.seconds.astype(np.int64),
            verified=self.counted_verified,
            helpful=self.helpful,
            text=self.text,
        )


def _codes(values: list[str]) -> IntArray:
    _, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return codes.astype(np.int64)


def _reviewers(values: list[str | None]) -> IntArray:
    """Dense reviewer codes; a missing id becomes a reviewer of its own."""
    named = [value if value else f"\0anonymous {i}" for i, value in enumerate(values)]
    return _codes(named)


def _corpus(name: str, columns: dict[str, object]) -> Corpus:
    stars = np.asarray(columns["stars"], dtype=np.float64)
    good = np.isfinite(stars) & (stars >= 1) & (stars <= 5)
    n = len(stars)
    keep = np.flatnonzero(good)

    def pick(values: object) -> list[object]:
        listed = list(values)  # type: ignore[call-overload]
        return [listed[i] for i in keep]

    texts = columns.get("text")
    return Corpus(
        name=name,
        product=_codes(pick(columns["product"])),  # type: ignore[arg-type]
        reviewer=_reviewers(pick(columns["reviewer"])),  # type: ignore[arg-type]
        stars=np.rint(stars[keep]).astype(np.int64),
        seconds=np.asarray(columns["seconds"], dtype=np.float64)[keep],
        verified=np.asarray(columns.get("verified", np.zeros(n, bool)), dtype=bool)[keep],
        helpful=np.asarray(columns.get("helpful", np.zeros(n, np.int64)), dtype=np.int64)[keep],
        honest=np.asarray(columns.get("honest", np.ones(n, bool)), dtype=bool)[keep],
        text=None if texts is None else [str(text or "") for text in pick(texts)],
    )


def yelp(name: str) -> Corpus:
    labelled = load_yelp(name)
    r = labelled.reviews
    return Corpus(
        name,
        r.product,
        r.reviewer,
        r.rating,
        r.time.astype(np.float64),
        r.verified,
        r.helpful,
        ~labelled.spam,
        None,
    )


def _csv(path: Path) -> pa.Table:
    options = pacsv.ConvertOptions(strings_can_be_null=False, auto_dict_encode=False)
    return pacsv.read_csv(path, convert_options=options)


def _text_column(table: pa.Table, title: str, body: str) -> list[str]:
    titles = table[title].cast(pa.string()).to_pylist()
    bodies = table[body].cast(pa.string()).to_pylist()
    return [f"{t}\n{b}" if t else (b or "") for t, b in zip(titles, bodies, strict=True)]


def amazon_books() -> Corpus:
    table = _csv(shared_data_root() / AMAZON_SMALL / "amazon_books_rating_first999.csv.gz")
    helpful = [int(str(value).split("/")[0] or 0) for value in table["review/helpfulness"]]
    return _corpus(
        "amazon_books",
        {
            "product": table["Id"].cast(pa.string()).to_pylist(),
            "reviewer": table["User_id"].cast(pa.string()).to_pylist(),
            "stars": table["review/score"].to_numpy(),
            "seconds": table["review/time"].to_numpy().astype(np.float64),
            "helpful": helpful,
            "text": _text_column(table, "review/summary", "review/text"),
        },
    )


def amazon_kindle() -> Corpus:
    table = _csv(shared_data_root() / AMAZON_SMALL / "kindle_store_2014_sample_4905.csv.gz")
    return _corpus(
        "amazon_kindle",
        {
            "product": table["asin"].cast(pa.string()).to_pylist(),
            "reviewer": table["reviewerID"].cast(pa.string()).to_pylist(),
            "stars": table["overall"].to_numpy(),
            "seconds": table["unixReviewTime"].to_numpy().astype(np.float64),
            "text": _text_column(table, "summary", "reviewText"),
        },
    )


def amazon_fashion() -> Corpus:
    path = shared_data_root() / AMAZON_SMALL / "AMAZON_FASHION_5.json.gz"
    seen: set[tuple[object, ...]] = set()
    rows = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            row = json.loads(line)
            key = (row.get("reviewerID"), row.get("reviewText"), row.get("overall"),
                   row.get("unixReviewTime"))  # fmt: skip
            if key in seen:
                continue  # the same review on another variant of the product
            seen.add(key)
            rows.append(row)
    return _corpus(
        "amazon_fashion",
        {
            "product": [row["asin"] for row in rows],
            "reviewer": [row.get("reviewerID") for row in rows],
            "stars": [row.get("overall", np.nan) for row in rows],
            "seconds": [float(row["unixReviewTime"]) for row in rows],
            "verified": [bool(row.get("verified")) for row in rows],
            "helpful": [int(str(row.get("vote") or "0").replace(",", "")) for row in rows],
            "text": [f"{row.get('summary') or ''}\n{row.get('reviewText') or ''}" for row in rows],
        },
    )


def amazon_electronics() -> Corpus:
    path = shared_data_root() / AMAZON_2023 / "amazon_reviews_21_products_2023.csv.gz"
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in ("title", "text", "verified_purchase")},
        strings_can_be_null=False,
    )
    table = pacsv.read_csv(path, convert_options=options)
    days = table["review_date_parsed"].cast(pa.date32()).cast(pa.int32()).to_numpy()
    return _corpus(
        "amazon_electronics",
        {
            "product": table["source_file"].to_pylist(),
            "reviewer": [None] * table.num_rows,
            "stars": table["rating"].to_numpy(),
            "seconds": days.astype(np.float64) * 86_400.0,
            "verified": [value == "True" for value in table["verified_purchase"].to_pylist()],
            "helpful": table["helpful_votes_parsed"].to_numpy().astype(np.int64),
            "text": _text_column(table, "title", "text"),
        },
    )


LOADERS: dict[str, Callable[[], Corpus]] = {
    "YelpNYC": lambda: yelp("YelpNYC"),
    "YelpChi": lambda: yelp("YelpChi"),
    "YelpZip": lambda: yelp("YelpZip"),
    "amazon_books": amazon_books,
    "amazon_kindle": amazon_kindle,
    "amazon_fashion": amazon_fashion,
    "amazon_electronics": amazon_electronics,
}


def load(name: str) -> Corpus:
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(LOADERS)}")
    return LOADERS[name]()


def available() -> bool:
    return (shared_data_root() / AMAZON_SMALL).is_dir()


def day(seconds: float) -> str:
    return datetime.utcfromtimestamp(seconds).date().isoformat()
