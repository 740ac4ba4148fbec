"""Evaluation of the metadata trust signals on the labelled Yelp data (Rayana & Akoglu 2015).

Data: ``$CANDOR_SHARED_DATA/yelp_rayana_akoglu_metadata/{YelpChi,YelpNYC,YelpZip}.metadata.gz``
(default ``../shared/data`` beside the repository). Label -1 (filtered by Yelp) counts as
*not genuine*. Labels are Yelp's filter, not ground truth; see the data README.

``evaluate()`` returns ``Evaluation.rows`` for ``candor evaluate``: dicts with exactly the
keys ``dataset, protocol, metric, value, published, source``, ``value`` a review-level ROC
AUC (a fraction), ``published`` a comparable published figure or None:

* **user-grouped 5-fold** within each dataset (``GroupKFold`` on the user id, so no
  account is in both training and test data; AUC of the pooled out-of-fold scores): the
  *baseline* (rows ``"<dataset> (baseline)"``: 12 classic behaviour features,
  gradient-boosted trees) and *Candor* (the combiner on all metadata signals).
* **cross-dataset**: Candor's combiner, calibrated, trained on one dataset and tested on
  another. **YelpNYC is inside YelpZip**: 914 of YelpNYC's 923 restaurants appear in
  YelpZip with identical (date, rating) histories (and identical labels), 354,458 of
  YelpNYC's 359,052 reviews. So YelpNYC <-> YelpZip is not a cross-dataset test as it
  stands. NYC-trained models are tested on *YelpZip without the YelpNYC restaurants and
  without every account that reviewed one of them* (194,577 reviews), and the model tested
  on YelpNYC is trained on that same remainder. YelpChi (Chicago) shares nothing with
  either, so YelpChi <-> YelpZip uses all of YelpZip.

``Evaluation.timing_rows`` (same keys; ``value`` a rate or a time, not a fraction): each
signal's throughput on YelpZip in reviews per CPU-second, and the lockstep signal's time on
YelpChi next to UGFraud's SpEagle (80 s).

No feature uses labels; features use other reviews' ratings and times, which exist at
scoring time. Signals run on each *whole* corpus (the test corpus included, as they would
in production); labels enter only model fitting on training rows. (The files are sorted by
product and then label, so anything that depended on row order would leak the label; a
test checks that every feature is invariant to shuffling the rows.)

Training sets are subsampled to at most ``MAX_TRAIN`` reviews (whole accounts) to bound
the run time. Fits run in ``workers`` forked processes, one thread each: about 3 minutes
for everything on 2 cores; ``quick=True`` (products subsampled, ``QUICK_MAX_TRAIN``) is a
smoke test of about 10 s.

``python -m research.evaluate_yelp [--quick] [--train-model] [--workers N]``: print
both tables; ``--train-model`` first refits the shipped combiner (YelpChi + YelpZip, see
``models/behaviour_README.md``).
"""

import argparse
import gzip
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from candor.trust.behaviour import behaviour, days
from candor.trust.bursts import bursts
from candor.trust.combine import (
    COMBINER_FEATURES,
    MODEL_PATH,
    Combiner,
    combine,
    fit_combiner,
    fit_trees,
)
from candor.trust.lockstep import lockstep
from candor.trust.table import (
    SECONDS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    Reviews,
    SignalOutput,
)

DATASETS = ("YelpChi", "YelpNYC", "YelpZip")
DATA_FOLDER = "yelp_rayana_akoglu_metadata"
MAX_TRAIN = 150_000
QUICK_PRODUCTS = {"YelpChi": 40, "YelpNYC": 60, "YelpZip": 250}
QUICK_MAX_TRAIN = 10_000
FOLDS = 5
SEED = 0

BASELINE_FEATURES = (
    "user_reviews",  # number of reviews (Mukherjee et al. 2013; Rayana & Akoglu 2015)
    "user_max_per_day",  # MNR
    "user_positive_share",  # PR
    "user_negative_share",  # NR
    "user_mean_abs_dev",  # avgRD
    "user_span_days",  # activity window / BST
    "single_review",  # ISR
    "product_rank",  # Rank
    "abs_rating_dev",  # RD
    "rating",  # EXT
    "product_age_days",  # ETF
    "product_reviews",
)
"""The classic behavioural features of the Yelp spam literature, for the baseline."""

PUBLISHED_BASELINE = {"YelpChi": 0.783, "YelpNYC": 0.775, "YelpZip": 0.805}
BASELINE_SOURCE = (
    "issue's reference figure: behaviour features + gradient boosting, user-grouped 5-fold"
)
SPEAGLE_YELPCHI = 0.766
SPEAGLE_SOURCE = (
    "UGFraud SpEagle on its bundled YelpChi graph, 80 s (as quoted in the issue); "
    "transductive, reviews not grouped by user"
)
SPEAGLE_SECONDS = 80.0
NO_FIGURE = "no published figure at hand"
BASELINE_METHOD = (
    "baseline: 12 classic behaviour features, HistGradientBoosting (200 iterations, early stopping)"
)
CANDOR_METHOD = "Candor combiner (boosted 4-leaf trees) on behaviour + bursts + lockstep features"
CALIBRATION_FOLDS = 3


def shared_data_root() -> Path:
    """``$CANDOR_SHARED_DATA``, else ``../shared/data`` next to the repository root."""
    env = os.environ.get("CANDOR_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def yelp_path(name: str, root: Path | None = None) -> Path:
    return (root or shared_data_root()) / DATA_FOLDER / f"{name}.metadata.gz"


def available(root: Path | None = None) -> bool:
    return all(yelp_path(name, root).exists() for name in DATASETS)


@dataclass(frozen=True)
class Labelled:
    """A Yelp corpus as a Reviews table, Yelp's filter label and the raw ids."""

    name: str
    reviews: Reviews
    spam: BoolArray  # label -1: filtered by Yelp
    user_raw: IntArray
    product_raw: IntArray

    def subset(self, rows: BoolArray) -> "Labelled":
        """The reviews in ``rows`` as a corpus of their own (ids re-coded densely)."""
        r = self.reviews
        _, product = np.unique(r.product[rows], return_inverse=True)
        _, reviewer = np.unique(r.reviewer[rows], return_inverse=True)
        index = np.flatnonzero(rows)
        reviews = Reviews(
            review_id=[r.review_id[int(i)] for i in index],
            product=product.astype(np.int64),
            reviewer=reviewer.astype(np.int64),
            rating=r.rating[rows],
            time=r.time[rows],
            verified=r.verified[rows],
            helpful=r.helpful[rows],
        )
        return Labelled(
            self.name, reviews, self.spam[rows], self.user_raw[rows], self.product_raw[rows]
        )


def load_yelp(name: str, root: Path | None = None) -> Labelled:
    """Read ``{name}.metadata.gz`` (columns user_id prod_id rating label date, no header)."""
    path = yelp_path(name, root)
    with gzip.open(path, "rt") as handle:
        first = handle.readline()
    delimiter = "\t" if "\t" in first else " "
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=["user", "product", "rating", "label", "date"]),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types={
                "user": pa.int64(),
                "product": pa.int64(),
                "rating": pa.float64(),
                "label": pa.int64(),
                "date": pa.date32(),
            }
        ),
    )
    user_raw = table["user"].to_numpy()
    product_raw = table["product"].to_numpy()
    _, user = np.unique(user_raw, return_inverse=True)
    _, product = np.unique(product_raw, return_inverse=True)
    day = table["date"].cast(pa.int32()).to_numpy().astype(np.int64)
    n = len(user_raw)
    reviews = Reviews(
        review_id=[f"{name}:{i}" for i in range(n)],
        product=product.astype(np.int64),
        reviewer=user.astype(np.int64),
        rating=np.rint(table["rating"].to_numpy()).astype(np.int64),
        time=day * SECONDS_PER_DAY,
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )
    spam = table["label"].to_numpy() == -1
    return Labelled(name, reviews, spam, user_raw.astype(np.int64), product_raw.astype(np.int64))


def product_signatures(reviews: Reviews) -> FloatArray:
    """Per product (review count, sum and sum of squares of day*8+stars): a label-free
    fingerprint of its review history, to find the same restaurant in two corpora."""
    v = days(reviews.time) * 8 + reviews.rating
    n_products = reviews.n_products
    count = np.bincount(reviews.product, minlength=n_products).astype(np.int64)
    s1 = np.bincount(reviews.product, weights=v.astype(np.float64), minlength=n_products)
    s2 = np.bincount(reviews.product, weights=v.astype(np.float64) ** 2, minlength=n_products)
    return np.stack([count.astype(np.float64), s1, s2], axis=1)


def overlap_rows(inner: Labelled, outer: Labelled) -> tuple[BoolArray, BoolArray, int]:
    """Rows of ``outer`` on products that also appear in ``inner`` (same history), rows of
    ``outer`` by accounts that reviewed any such product, and the number of such products."""
    a = product_signatures(inner.reviews)
    b = product_signatures(outer.reviews)
    both = np.concatenate((a, b))
    _, code = np.unique(both, axis=0, return_inverse=True)
    code = code.ravel()
    shared_code = np.intersect1d(code[: len(a)], code[len(a) :])
    in_inner = np.isin(code[len(a) :], shared_code)  # per outer product
    on_shared = in_inner[outer.reviews.product]
    shared_users = np.zeros(outer.reviews.n_reviewers, bool)
    shared_users[outer.reviews.reviewer[on_shared]] = True
    return on_shared, shared_users[outer.reviews.reviewer], int(in_inner.sum())


def signal_table(
    reviews: Reviews, score: bool = False
) -> tuple[dict[str, FloatArray], dict[str, float]]:
    """All metadata features, and the CPU seconds of each stage.

    ``score``: also time ``combine`` with the shipped model (stage ``combine``).
    """
    timings: dict[str, float] = {}
    outputs: list[SignalOutput] = []
    stage: Callable[[Reviews], SignalOutput]
    for name, stage in (("behaviour", behaviour), ("bursts", bursts), ("lockstep", lockstep)):
        start = time.process_time()
        outputs.append(stage(reviews))
        timings[name] = time.process_time() - start
    if score and MODEL_PATH.exists():
        start = time.process_time()
        combine(reviews, outputs, Combiner.load())
        timings["combine"] = time.process_time() - start
    table: dict[str, FloatArray] = {}
    for output in outputs:
        table.update(output.features)
    return table, timings


def sample_users(group: IntArray, max_rows: int, rng: np.random.Generator) -> BoolArray:
    """Rows of a random set of whole users with at most ``max_rows`` rows in total."""
    if len(group) <= max_rows:
        return np.ones(len(group), bool)
    users, inverse = np.unique(group, return_inverse=True)
    count = np.bincount(inverse)
    order = rng.permutation(len(users))
    chosen = np.zeros(len(users), bool)
    chosen[order[np.cumsum(count[order]) <= max_rows]] = True
    result: BoolArray = chosen[inverse]
    return result


def auc(spam: BoolArray, score: FloatArray) -> float:
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    return float(roc_auc_score(spam, score))


def _columns(table: Mapping[str, FloatArray], names: Sequence[str], rows: Any) -> FloatArray:
    return np.column_stack([np.asarray(table[n])[rows] for n in names])


def baseline_scores(
    table: Mapping[str, FloatArray], spam: BoolArray, train: IntArray, test: IntArray
) -> FloatArray:
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.1, early_stopping=True, random_state=SEED
    )
    model.fit(_columns(table, BASELINE_FEATURES, train), spam[train])
    scores: FloatArray = model.predict_proba(_columns(table, BASELINE_FEATURES, test))[:, 1]
    return scores


def candor_scores(
    table: Mapping[str, FloatArray], spam: BoolArray, train: IntArray, test: IntArray
) -> FloatArray:
    model = fit_trees(
        {k: table[k][train] for k in COMBINER_FEATURES}, spam[train], COMBINER_FEATURES
    )
    return model.raw_logit({k: table[k][test] for k in COMBINER_FEATURES}, len(test))


def _row(
    dataset: str, protocol: str, metric: str, value: float, published: float | None, source: str
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "protocol": protocol,
        "metric": metric,
        "value": round(value, 4),
        "published": published,
        "source": source,
    }


def _fold_job(job: tuple[str, str, int]) -> tuple[str, str, IntArray, FloatArray]:
    """One fold of the grouped cross-validation (runs in a worker; data in ``_STATE``)."""
    name, method, fold = job
    table, spam = _STATE["tables"][name], _STATE["spam"][name]
    train, test = _STATE["folds"][name][fold]
    scorer = baseline_scores if method == "baseline" else candor_scores
    return name, method, test, scorer(table, spam, train, test)


def _cross_job(plan: int) -> list[tuple[str, str, str, float]]:
    """Fit a calibrated combiner on one training set and score its test sets."""
    train_name, train_mask, train_label, tests = _STATE["plans"][plan]
    table, spam, group = _part(train_name, train_mask)
    keep = sample_users(group, _STATE["max_train"], np.random.default_rng(SEED + plan))
    model = fit_combiner(
        [{k: table[k][keep] for k in COMBINER_FEATURES}],
        [spam[keep]],
        [group[keep]],
        COMBINER_FEATURES,
        folds=CALIBRATION_FOLDS,
    )
    results = []
    for test_name, test_mask, test_label in tests:
        t_table, t_spam, _ = _part(test_name, test_mask)
        score = model.spam_probability(t_table, len(t_spam))
        results.append((test_name, train_label, test_label, auc(t_spam, score)))
    return results


def _part(name: str, rows: BoolArray | None) -> tuple[dict[str, FloatArray], BoolArray, IntArray]:
    table, spam, group = _STATE["tables"][name], _STATE["spam"][name], _STATE["group"][name]
    if rows is None:
        return table, spam, group
    return {k: v[rows] for k, v in table.items()}, spam[rows], group[rows]


_STATE: dict[str, Any] = {}


def _pool_map(function: Callable[[Any], Any], jobs: Sequence[Any], workers: int) -> list[Any]:
    """``map`` over forked workers that share ``_STATE`` (in-process when workers <= 1).

    Every fit runs single-threaded: OpenMP threads of gradient boosting fighting over two
    busy cores made runs ten times slower; one process per core does not.
    """
    import multiprocessing

    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(1):
        if workers <= 1 or len(jobs) <= 1:
            return [function(job) for job in jobs]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(function, jobs, chunksize=1)


@dataclass
class Evaluation:
    """AUC rows (``value``/``published`` are fractions) and signal timings."""

    rows: list[dict[str, Any]]
    timing_rows: list[dict[str, Any]]
    seconds: float


def evaluate(
    quick: bool = False,
    root: Path | None = None,
    log: Callable[[str], None] | None = None,
    workers: int = 2,
) -> Evaluation:
    """All rows for ``candor evaluate`` (see the module docstring)."""
    say = log or (lambda _: None)
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    max_train = QUICK_MAX_TRAIN if quick else MAX_TRAIN
    corpora: dict[str, Labelled] = {}
    tables: dict[str, dict[str, FloatArray]] = {}
    timings: dict[str, dict[str, float]] = {}
    for name in DATASETS:
        corpus = load_yelp(name, root)
        if quick:
            chosen = rng.permutation(corpus.reviews.n_products)[: QUICK_PRODUCTS[name]]
            corpus = corpus.subset(np.isin(corpus.reviews.product, chosen))
        corpora[name] = corpus
        tables[name], timings[name] = signal_table(corpus.reviews, score=True)
        say(f"{name}: {len(corpus.reviews):,} reviews, signals {sum(timings[name].values()):.1f} s")

    on_nyc, by_nyc_users, n_shared = overlap_rows(corpora["YelpNYC"], corpora["YelpZip"])
    zip_rest = ~on_nyc & ~by_nyc_users
    say(
        f"YelpNYC in YelpZip: {n_shared} restaurants, {int(on_nyc.sum()):,} Zip reviews; "
        f"Zip without them and their reviewers: {int(zip_rest.sum()):,}"
    )
    rest_label = (
        f"YelpZip without YelpNYC restaurants and their reviewers ({int(zip_rest.sum()):,} reviews)"
    )

    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

    folds: dict[str, list[tuple[IntArray, IntArray]]] = {}
    for name in DATASETS:
        group = corpora[name].reviews.reviewer
        split = GroupKFold(FOLDS).split(np.zeros(len(group)), corpora[name].spam, group)
        folds[name] = [
            (train[sample_users(group[train], max_train, rng)], test) for train, test in split
        ]
    _STATE.clear()
    _STATE.update(
        tables=tables,
        spam={n: c.spam for n, c in corpora.items()},
        group={n: c.reviews.reviewer for n, c in corpora.items()},
        folds=folds,
        max_train=max_train,
        plans=(
            (
                "YelpChi",
                None,
                "YelpChi",
                (("YelpNYC", None, "YelpNYC"), ("YelpZip", None, "YelpZip")),
            ),
            (
                "YelpNYC",
                None,
                "YelpNYC",
                (("YelpChi", None, "YelpChi"), ("YelpZip", zip_rest, rest_label)),
            ),
            ("YelpZip", None, "YelpZip", (("YelpChi", None, "YelpChi"),)),
            ("YelpZip", zip_rest, rest_label, (("YelpNYC", None, "YelpNYC"),)),
        ),
    )
    try:
        # the slowest jobs first, so two workers finish together
        jobs: list[tuple[str, Any]] = [("cross", plan) for plan in range(4)]
        jobs += [
            ("fold", (name, method, fold))
            for name in ("YelpZip", "YelpNYC", "YelpChi")
            for method in ("baseline", "candor")
            for fold in range(FOLDS)
        ]
        results = _pool_map(_run_job, jobs, workers)
    finally:
        _STATE.clear()

    size = "quick subsample, " if quick else ""
    rows: list[dict[str, Any]] = []
    scores = {
        (n, m): np.zeros(len(corpora[n].spam)) for n in DATASETS for m in ("baseline", "candor")
    }
    cross: list[tuple[str, str, str, float]] = []
    for kind, result in results:
        if kind == "fold":
            name, method, test, score = result
            scores[(name, method)][test] = score
        else:
            cross.extend(result)
    for name in DATASETS:
        spam = corpora[name].spam
        value = auc(spam, scores[(name, "baseline")])
        rows.append(
            _row(
                f"{name} (baseline)",
                f"{size}user-grouped 5-fold, pooled out-of-fold scores; {BASELINE_METHOD}",
                "review ROC AUC",
                value,
                PUBLISHED_BASELINE[name],
                BASELINE_SOURCE,
            )
        )
        say(f"{name} baseline {value:.4f}")
        value = auc(spam, scores[(name, "candor")])
        rows.append(
            _row(
                name,
                f"{size}user-grouped 5-fold, pooled out-of-fold scores; {CANDOR_METHOD}",
                "review ROC AUC",
                value,
                SPEAGLE_YELPCHI if name == "YelpChi" else None,
                SPEAGLE_SOURCE if name == "YelpChi" else NO_FIGURE,
            )
        )
        say(f"{name} candor {value:.4f}")
    for test_name, train_label, test_label, value in cross:
        rows.append(
            _row(
                test_label,
                f"{size}cross-dataset: trained on {train_label}; {CANDOR_METHOD}, calibrated",
                "review ROC AUC",
                value,
                SPEAGLE_YELPCHI if test_name == "YelpChi" else None,
                SPEAGLE_SOURCE if test_name == "YelpChi" else NO_FIGURE,
            )
        )
        say(f"{train_label} -> {test_label}: {value:.4f}")
    return Evaluation(rows, timing_rows(corpora, timings, size), time.perf_counter() - started)


def _run_job(job: tuple[str, Any]) -> tuple[str, Any]:
    kind, argument = job
    if kind == "fold":
        return kind, _fold_job(argument)
    return kind, _cross_job(argument)


def timing_rows(
    corpora: Mapping[str, Labelled], timings: Mapping[str, Mapping[str, float]], size: str
) -> list[dict[str, Any]]:
    """Throughput per signal on YelpZip (reviews per CPU-second) and lockstep on YelpChi (s).

    Same keys as the AUC rows, but ``value`` is a rate or a time, not a fraction.
    """
    zip_n = len(corpora["YelpZip"].reviews)
    protocol = f"{size}YelpZip, {zip_n:,} reviews, one process, time.process_time"
    rows = [
        _row(
            "YelpZip",
            protocol,
            f"reviews per CPU-second: {stage}",
            zip_n / max(s, 1e-9),
            None,
            "measured",
        )
        for stage, s in timings["YelpZip"].items()
    ]
    total = sum(timings["YelpZip"].values())
    rows.append(
        _row(
            "YelpZip",
            protocol,
            "reviews per CPU-second: all stages",
            zip_n / max(total, 1e-9),
            None,
            "measured",
        )
    )
    chi_n = len(corpora["YelpChi"].reviews)
    rows.append(
        _row(
            "YelpChi",
            f"{size}YelpChi, {chi_n:,} reviews, one process, time.process_time",
            "seconds: lockstep (FRAUDAR-style peeling)",
            timings["YelpChi"]["lockstep"],
            SPEAGLE_SECONDS,
            "UGFraud SpEagle on YelpChi, as quoted in the issue",
        )
    )
    return rows


def train_shipped_model(
    root: Path | None = None, log: Callable[[str], None] | None = None
) -> Combiner:
    """Refit ``models/behaviour_combiner.json`` on YelpChi + YelpZip (YelpNYC is inside YelpZip)."""
    say = log or (lambda _: None)
    tables, spams, groups = [], [], []
    for name in ("YelpChi", "YelpZip"):
        corpus = load_yelp(name, root)
        table, _ = signal_table(corpus.reviews)
        tables.append({k: table[k] for k in COMBINER_FEATURES})
        spams.append(corpus.spam)
        groups.append(corpus.reviews.reviewer)
        say(f"{name}: {len(corpus.reviews):,} reviews")
    model = fit_combiner(tables, spams, groups, COMBINER_FEATURES, folds=5)
    model.meta = {
        "trained_on": (
            "YelpChi + YelpZip review metadata (Rayana & Akoglu 2015), Yelp filter labels"
        ),
        "reviews": int(sum(len(s) for s in spams)),
        "not_genuine_share": round(float(np.concatenate(spams).mean()), 4),
        "licence": "research-only data: model for evaluation and demos, see behaviour_README.md",
        "target": "P(review filtered by Yelp); trust = 1 - P",
    }
    model.save(MODEL_PATH)
    say(f"wrote {MODEL_PATH}")
    return model


def format_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    lines = [
        "| dataset | protocol | metric | value | published | source |",
        "|---|---|---|---:|---:|---|",
    ]
    for row in rows:
        published = "" if row["published"] is None else f"{row['published']:g}"
        value = row["value"]
        shown = f"{value:,.0f}" if value >= 100 else f"{value:.4g}" if value < 1 else f"{value:.3f}"
        cells = (row["dataset"], row["protocol"], row["metric"], shown, published, row["source"])
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m research.evaluate_yelp")
    parser.add_argument("--quick", action="store_true", help="subsample for a smoke test")
    parser.add_argument("--train-model", action="store_true", help="refit the shipped combiner")
    parser.add_argument("--workers", type=int, default=2, help="processes for the fits")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not available():
        raise SystemExit(f"Yelp data not found under {shared_data_root() / DATA_FOLDER}")
    start = time.perf_counter()
    if args.train_model:
        train_shipped_model(log=log)
    result = evaluate(quick=args.quick, log=log, workers=args.workers)
    print(format_rows(result.rows))
    print()
    print(format_rows(result.timing_rows))
    log(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
