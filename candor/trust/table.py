"""The shared input and output of every trust signal: columns of numpy arrays.

Signals take a `Reviews` table (one row per review) and return a `SignalOutput`:
numeric features for the combiner and boolean flags with the numbers a reason
sentence needs ("one of 14 near-identical reviews"). Reasons stay as arrays so a
corpus of millions of reviews never becomes millions of Python objects; sentences
are written only for the reviews a person looks at.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

SECONDS_PER_DAY = 86_400

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Reviews:
    """One row per review. ``product`` and ``reviewer`` are dense codes 0..n-1."""

    review_id: Sequence[str]
    product: IntArray
    reviewer: IntArray
    rating: IntArray  # 1..5
    time: IntArray  # seconds since 1970-01-01 UTC
    verified: BoolArray
    helpful: IntArray
    text: Sequence[str] | None = None  # None when a corpus has no texts (Yelp metadata)
    reviewer_since: IntArray | None = None  # account creation time when known

    def __post_init__(self) -> None:
        n = len(self.review_id)
        columns = {
            "product": self.product,
            "reviewer": self.reviewer,
            "rating": self.rating,
            "time": self.time,
            "verified": self.verified,
            "helpful": self.helpful,
        }
        for name, column in columns.items():
            if len(column) != n:
                raise ValueError(f"{name}: {len(column)} values for {n} reviews")
        if self.text is not None and len(self.text) != n:
            raise ValueError(f"text: {len(self.text)} values for {n} reviews")
        if n and (self.rating.min() < 1 or self.rating.max() > 5):
            raise ValueError("rating: values must be 1..5")

    def __len__(self) -> int:
        return len(self.review_id)

    @property
    def n_products(self) -> int:
        return int(self.product.max()) + 1 if len(self) else 0

    @property
    def n_reviewers(self) -> int:
        return int(self.reviewer.max()) + 1 if len(self) else 0

    @classmethod
    def of_texts(cls, texts: Sequence[str]) -> "Reviews":
        """Texts alone, for a signal that reads nothing else (`candor.trust.text.text_signal`
        run on a batch of rows where they are, `candor.pipeline.stages`): the other columns
        are placeholders (one product, one reviewer each, rating 1, time 0)."""
        n = len(texts)
        return cls(
            review_id=[""] * n,
            product=np.zeros(n, np.int64),
            reviewer=np.arange(n, dtype=np.int64),
            rating=np.ones(n, np.int64),
            time=np.zeros(n, np.int64),
            verified=np.zeros(n, bool),
            helpful=np.zeros(n, np.int64),
            text=texts,
        )

    @classmethod
    def from_columns(
        cls,
        review_id: Sequence[str],
        product_id: Sequence[object],
        reviewer_id: Sequence[object],
        rating: Sequence[int],
        time: Sequence[int],
        verified: Sequence[bool] | None = None,
        helpful: Sequence[int] | None = None,
        text: Sequence[str] | None = None,
    ) -> "Reviews":
        """Build a table from raw columns, coding product and reviewer ids densely."""
        n = len(review_id)
        _, product = np.unique(
            np.asarray(product_id, dtype=object).astype(str), return_inverse=True
        )
        _, reviewer = np.unique(
            np.asarray(reviewer_id, dtype=object).astype(str), return_inverse=True
        )
        return cls(
            review_id=list(review_id),
            product=product.astype(np.int64),
            reviewer=reviewer.astype(np.int64),
            rating=np.asarray(rating, dtype=np.int64),
            time=np.asarray(time, dtype=np.int64),
            verified=np.zeros(n, bool) if verified is None else np.asarray(verified, dtype=bool),
            helpful=np.zeros(n, np.int64)
            if helpful is None
            else np.asarray(helpful, dtype=np.int64),
            text=text,
        )


@dataclass
class SignalOutput:
    """What one signal says about every review.

    ``features``: numeric per-review values for the combiner (float64, length n).
    ``flags``: per reason code, which reviews it applies to (bool, length n).
    ``numbers``: per reason code, the number its sentence quotes (e.g. cluster size).
    """

    name: str
    features: dict[str, FloatArray] = field(default_factory=dict)
    flags: dict[str, BoolArray] = field(default_factory=dict)
    numbers: dict[str, FloatArray] = field(default_factory=dict)
