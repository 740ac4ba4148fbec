"""Bulk review data in Candor's schema, for the speed benchmarks.

    python -m bench.generate --reviews 10000000 --products 1000000 --reviewers 2000000 \\
        --out /tmp/candor-bench/reviews-10m.parquet

Writes one Parquet file, row groups of ``--row-group`` (1,000,000) rows, columns:

    review_id          int64      1..N, in order of created_at (as a database assigns them)
    product_id         int64      1..products
    reviewer_id        int64      1..reviewers
    rating             int8       1..5
    created_at         timestamp[us, tz=UTC]
    verified_purchase  bool
    helpful_votes      int32
    title              string
    text               string

What the data looks like (seeded; the same arguments give the same file):

- popularity: product ranks drawn Zipf-like, P(rank r) ~ (r + 10) ** -1.05, ranks shuffled
  onto product ids, so a few products have 100,000+ reviews and most have 0-2;
  reviewer activity likewise with exponent 0.8 (offset 50): most reviewers write a
  handful, a few thousands. One review per reviewer and product, as Candor enforces.
- stars: the ordered-logit model of `bench.simulate` (quality ~ N(0, 1), cut points
  (-3.2, -2.4, -1.4, -0.2), a Beta(1, 15) share of unhappy 1-star readers per product).
- dates: six years up to 2025-01-01 UTC; products launch over ten years (a backlist),
  half of a product's reviews in a launch wave (exponential, mean 180 days), the rest
  uniform over its life within the window.
- verified purchase: a per-reviewer propensity ~ Beta(2.4, 1.6), 60 % overall.
- helpful votes: gamma-Poisson, mean 1.5 x (product popularity) ** 0.25, shape 0.2.
- titles: short phrases from `bench.text` matching the stars (negative, mixed,
  positive), 10 % empty. Texts: sentences of the same mood from a pool of 20,000
  written from `bench.text`'s vocabulary, glued per row group with numpy and pyarrow
  (no per-row formatting): a lognormal length with a median of about 200 characters
  and a long tail, capped at 5,000.

Memory: the id and date columns of all rows are held (about 40 bytes a row while
sorting, 400 MB for 10 million) to sort by date and keep (product, reviewer) pairs
unique; the other columns are built one row group at a time (about 1 GB at the peak
for a row group of a million rows, texts and Parquet encoding; lower ``--row-group``
to need less).

Unless ``--no-docs`` is given, the run is recorded in docs/benchmarks.md between
``<!-- generate:start -->`` and ``<!-- generate:end -->``.
"""

import argparse
import math
import resource
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench import docs, text
from bench.simulate import WorldParams

DAY = 86_400
YEAR = 365.25 * DAY
NOW = datetime(2025, 1, 1, tzinfo=UTC)

SCHEMA = pa.schema(
    [
        ("review_id", pa.int64()),
        ("product_id", pa.int64()),
        ("reviewer_id", pa.int64()),
        ("rating", pa.int8()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("verified_purchase", pa.bool_()),
        ("helpful_votes", pa.int32()),
        ("title", pa.string()),
        ("text", pa.string()),
    ]
)


def zipf_cdf(n: int, exponent: float, offset: float) -> np.ndarray:
    weights = (np.arange(1, n + 1, dtype=np.float64) + offset) ** -exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def draw(
    rng: np.random.Generator, cdf: np.ndarray, size: int, chunk: int = 2_000_000
) -> np.ndarray:
    """Indices 0..len(cdf)-1 drawn with the probabilities ``cdf`` accumulates."""
    out = np.empty(size, dtype=np.int32)
    for begin in range(0, size, chunk):
        end = min(size, begin + chunk)
        out[begin:end] = np.searchsorted(cdf, rng.random(end - begin), side="right")
    return np.minimum(out, cdf.size - 1, out=out)


def unique_pairs(
    rng: np.random.Generator,
    product: np.ndarray,
    reviewer: np.ndarray,
    reviewer_cdf: np.ndarray,
    n_reviewers: int,
) -> None:
    """Redraw reviewers in place until no (product, reviewer) pair repeats."""
    for attempt in range(100):
        key = product.astype(np.int64) * n_reviewers + reviewer
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        repeat = np.flatnonzero(sorted_key[1:] == sorted_key[:-1]) + 1
        if repeat.size == 0:
            return
        rows = order[repeat]
        if attempt < 10:
            reviewer[rows] = draw(rng, reviewer_cdf, rows.size)
        else:  # a busy product that keeps drawing its busiest reviewers: draw uniformly
            reviewer[rows] = rng.integers(0, n_reviewers, rows.size)
    raise RuntimeError("could not make (product, reviewer) pairs unique; too few reviewers?")


def review_times(
    rng: np.random.Generator,
    product: np.ndarray,
    launch: np.ndarray,
    start: float,
    now: float,
    chunk: int = 1_000_000,
) -> np.ndarray:
    """Seconds since the epoch: a launch wave plus a uniform remainder, within the window."""
    when = np.empty(product.size)
    for begin in range(0, product.size, chunk):
        launched = launch[product[begin : begin + chunk]]
        n = launched.size
        opened = np.maximum(launched, start)
        uniform = opened + rng.random(n) * (now - opened)
        wave = launched + rng.exponential(180 * DAY, n)
        part = np.where(rng.random(n) < 0.5, wave, uniform)
        outside = (part < start) | (part > now)
        part[outside] = uniform[outside]
        when[begin : begin + n] = part
    return when


MOODS = ("negative", "mixed", "positive")


def mood_of(stars: np.ndarray) -> np.ndarray:
    """0 negative (1-2 stars), 1 mixed (3), 2 positive (4-5), as in `bench.text.sentiment`."""
    return np.where(stars <= 2, 0, np.where(stars == 3, 1, 2))


class TextMaker:
    """Texts as runs of pool sentences, built per row group without per-row formatting.

    The pool holds ``pool_size`` sentences per mood; a row's sentences and title match
    its stars' mood.
    """

    def __init__(self, rng: np.random.Generator, pool_size: int = 20_000) -> None:
        per_mood = max(1, pool_size // len(MOODS))
        sentences = [s for mood in MOODS for s in text.sentence_pool(rng, per_mood, mood)]
        self.per_mood = per_mood
        self.without_space = np.array([s.encode() for s in sentences], dtype=object)
        self.with_space = np.array([s.encode() + b" " for s in sentences], dtype=object)
        self.lengths = np.array([len(p) for p in self.with_space], dtype=np.int64)
        self.mean_length = float(self.lengths.mean())
        # At most this many sentences keep a text within Candor's 5,000 characters.
        self.max_count = max(1, 5000 // int(self.lengths.max()))
        titles = [text.title_pool(mood) for mood in MOODS]
        self.titles = pa.array(["", *(t for group in titles for t in group)], pa.string())
        sizes = np.array([len(group) for group in titles])
        self.title_start = 1 + np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.title_size = sizes

    def texts(self, rng: np.random.Generator, moods: np.ndarray, median: float = 200.0) -> pa.Array:
        """One text per row: pool sentences of the row's mood, about ``median`` characters."""
        n = moods.size
        target = rng.lognormal(math.log(median), 0.8, n)
        count = np.clip(np.rint(target / self.mean_length), 1, self.max_count).astype(np.int64)
        sentence_mood = np.repeat(moods, count)
        ids = sentence_mood * self.per_mood + rng.integers(0, self.per_mood, sentence_mood.size)
        del sentence_mood
        # Sentences end in a space, except the last of each row.
        last = np.cumsum(count) - 1
        chosen = self.with_space[ids]
        chosen[last] = self.without_space[ids[last]]
        sizes = self.lengths[ids]
        sizes[last] -= 1
        data = b"".join(chosen.tolist())
        del chosen
        offsets = np.concatenate([[0], np.cumsum(sizes)[last]]).astype(np.int32)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))

    def titles_for(self, rng: np.random.Generator, moods: np.ndarray) -> pa.Array:
        n = moods.size
        picked = self.title_start[moods] + (rng.random(n) * self.title_size[moods]).astype(int)
        empty = rng.random(n) < 0.1
        return self.titles.take(pa.array(np.where(empty, 0, picked)))


def generate(
    out: Path,
    reviews: int,
    products: int,
    reviewers: int,
    seed: int = 0,
    row_group: int = 1_000_000,
    verbose: bool = True,
) -> dict[str, float]:
    """Write the Parquet file; returns a summary."""
    if min(reviews, products, reviewers, row_group) < 1:
        raise ValueError("reviews, products, reviewers and row_group must all be >= 1")
    if reviews > products * reviewers:
        raise ValueError("more reviews than (product, reviewer) pairs")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    params = WorldParams()
    now = NOW.timestamp()
    start = now - 6 * YEAR

    def say(message: str) -> None:
        if verbose:
            print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    product_ids = rng.permutation(products).astype(np.int32)  # rank -> product index
    product = product_ids[draw(rng, zipf_cdf(products, 1.05, 10.0), reviews)]
    reviewer_cdf = zipf_cdf(reviewers, 0.8, 50.0)
    reviewer_ids = rng.permutation(reviewers).astype(np.int32)
    reviewer_rank = draw(rng, reviewer_cdf, reviews)
    unique_pairs(rng, product, reviewer_rank, reviewer_cdf, reviewers)
    reviewer = reviewer_ids[reviewer_rank]
    del reviewer_rank
    say(f"drew {reviews:,} (product, reviewer) pairs")

    launch = rng.uniform(now - 10 * YEAR, now - 30 * DAY, products)
    when = review_times(rng, product, launch, start, now)
    order = np.argsort(when, kind="stable")
    product, reviewer = product[order], reviewer[order]
    micros = (when[order] * 1_000_000).astype(np.int64)
    del when, order, launch
    say("dated and sorted by created_at")

    quality = rng.normal(0.0, params.quality_sd, products)
    unhappy = rng.beta(*params.unhappy_beta, products)
    cuts = np.asarray(params.cutpoints)
    propensity = rng.beta(2.4, 1.6, reviewers)
    popularity = (np.bincount(product, minlength=products) / max(1.0, reviews / products)) ** 0.25
    maker = TextMaker(rng)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    text_lengths = np.zeros(5001, dtype=np.int64)  # histogram of text lengths
    verified_total = 0
    with pq.ParquetWriter(tmp, SCHEMA, compression="snappy") as writer:
        for begin in range(0, reviews, row_group):
            end = min(reviews, begin + row_group)
            n = end - begin
            p = product[begin:end]
            below = 1.0 / (1.0 + np.exp(-(cuts[None, :] - quality[p][:, None])))
            u = rng.random(n)
            stars = 1 + (u[:, None] >= below).sum(axis=1)
            stars = np.where(rng.random(n) < unhappy[p], 1, stars).astype(np.int8)
            verified = rng.random(n) < propensity[reviewer[begin:end]]
            mean_votes = 1.5 * popularity[p]
            votes = rng.poisson(rng.gamma(0.2, mean_votes / 0.2)).astype(np.int32)
            moods = mood_of(stars)
            texts = maker.texts(rng, moods, params.text_median_chars)
            table = pa.Table.from_arrays(
                [
                    pa.array(np.arange(begin + 1, end + 1, dtype=np.int64)),
                    pa.array(p.astype(np.int64) + 1),
                    pa.array(reviewer[begin:end].astype(np.int64) + 1),
                    pa.array(stars),
                    pa.array(micros[begin:end], pa.timestamp("us", tz="UTC")),
                    pa.array(verified),
                    pa.array(votes),
                    maker.titles_for(rng, moods),
                    texts,
                ],
                schema=SCHEMA,
            )
            writer.write_table(table, row_group_size=n)
            lengths = pc.utf8_length(texts).to_numpy()
            text_lengths += np.bincount(lengths, minlength=5001)[:5001]
            verified_total += int(verified.sum())
            say(f"wrote rows {begin + 1:,}..{end:,}")
    tmp.replace(out)
    counts = np.bincount(product, minlength=products)
    seconds = time.perf_counter() - started
    summary = {
        "rows": reviews,
        "seconds": round(seconds, 1),
        "bytes": out.stat().st_size,
        "products_with_reviews": int((counts > 0).sum()),
        "top_product_reviews": int(counts.max()),
        "median_reviews_per_reviewed_product": float(np.median(counts[counts > 0])),
        "verified_share": round(verified_total / reviews, 3),
        "mean_text_chars": round(float(text_lengths @ np.arange(5001)) / reviews, 1),
        "median_text_chars": int(np.searchsorted(np.cumsum(text_lengths), (reviews + 1) / 2)),
    }
    say(f"done: {summary}")
    return summary


def markdown(summary: dict[str, float], command: str) -> str:
    peak_mb = summary.get("peak_rss_mb", math.nan)
    return "\n".join(
        [
            "## Bulk data generator",
            "",
            f"Measured {docs.today()} on {docs.machine_line()}.",
            "",
            "```sh",
            command,
            "```",
            "",
            "| rows | file size | wall time | peak memory (RSS) | products with reviews"
            " | reviews of the top product | verified | text length, median (mean) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {summary['rows']:,.0f} | {summary['bytes'] / 1e6:,.0f} MB"
            f" | {summary['seconds']:.0f} s | {peak_mb:,.0f} MB"
            f" | {summary['products_with_reviews']:,.0f} | {summary['top_product_reviews']:,.0f}"
            f" | {100 * summary['verified_share']:.0f} % | {summary['median_text_chars']:.0f}"
            f" ({summary['mean_text_chars']:.0f}) characters |",
            "",
            "Schema and distributions: the docstring of `bench/generate.py`.",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000_000)
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--reviewers", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--row-group", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/candor-bench/reviews-10m.parquet"))
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    summary = generate(
        args.out, args.reviews, args.products, args.reviewers, args.seed, args.row_group
    )
    # ru_maxrss is in kilobytes on Linux.
    summary["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not args.no_docs:
        arguments = sys.argv[1:] if argv is None else argv
        command = ".venv/bin/python -m bench.generate " + shlex.join(arguments)
        docs.write_section("generate", markdown(summary, command))
        print(f"(section 'generate' written to {docs.BENCHMARKS_MD})")


if __name__ == "__main__":
    main()
