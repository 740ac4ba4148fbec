"""Signals -> trust probability per review, plus plain-English reasons.

The combiner
------------
A binned logistic model (a generalised additive model with step-function shapes): every
numeric feature is cut at up to ``N_BINS`` training quantiles and each bin gets one
logistic-regression weight (L2-regularised), so

    logit P(not genuine) = intercept + sum over features of weight[feature, bin(value)].

The sum is then calibrated by isotonic regression fitted on held-out (user-grouped
out-of-fold) scores, and ``trust = 1 - P(not genuine)``. Why this and not gradient-boosted
trees: on the Yelp data the two rank equally well across datasets (see
``evaluate_yelp``), the additive form transfers better between corpora than deep
interactions, it is a few kilobytes of JSON (no pickle, no scikit-learn at scoring time),
scoring is one ``searchsorted`` per feature, and each feature's contribution can be read
off.

A feature missing from ``outputs`` (a signal that was not run) contributes its training
average, so the model works with any subset of the signals.

Text signals (from ``candor.trust.text`` / ``candor.trust.duplicates``; Yelp has no text,
so the Yelp-trained part cannot learn them) enter as *stated assumptions*, documented in
the model JSON under ``assumed_terms`` and applied after calibration as odds updates:

* ``text_deceptive`` / ``text_generated``: probabilities from balanced (50/50) training
  sets, so ``logit(p)`` is a log likelihood ratio; we add ``TEXT_WEIGHT * logit(clip(p))``
  (damped because the text models were trained on other domains). ``p == 0`` means "not
  scored" (too short, no text) and adds nothing.
* ``dup_distinct_reviewers``: a near-duplicate of reviews by ``k >= 2`` distinct accounts
  multiplies the odds of not-genuine by ``min(k, DUP_MAX_FACTOR)``.

Bursts cap trust (``burst_cap``). A review flagged in a burst window, where the window
holds ``k_s`` reviews with its star and the product's own history predicts ``e_s`` of them,
keeps at most ``e_s / k_s`` trust: only that share of the window is explained by the
product's ordinary traffic, and nothing in a single review tells the ordinary ones from
the excess. So a burst, however many reviews it has, counts for about as much as the
ordinary traffic of those days would. The history includes the months after the window,
so when a higher rate lasts (a prize, a new audience) it becomes the product's history
and the cap lifts; a one-off genuine burst counts as ordinary traffic. Yelp's labels cannot
fit this rule (Yelp's filter mostly marks single-review accounts, not bursts), so it is
stated, not learnt; it does not change the Yelp AUCs, which rank by the fitted model.

Reasons
-------
``combine`` returns the merged flags and numbers of all outputs as one ``SignalOutput``
(arrays, no per-review objects); ``reasons(merged, i)`` writes the sentences for review
``i`` only, most serious first.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from candor.trust import behaviour as behaviour_module
from candor.trust import bursts as bursts_module
from candor.trust import lockstep as lockstep_module
from candor.trust.behaviour import behaviour
from candor.trust.bursts import bursts
from candor.trust.lockstep import lockstep
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

MODEL_PATH = Path(__file__).parent / "models" / "behaviour_combiner.json"
N_BINS = 12
L2_C = 0.1
PROB_FLOOR = 1e-3
TEXT_WEIGHT = 0.5
TEXT_CLIP = (0.05, 0.95)
DUP_MAX_FACTOR = 20.0

COMBINER_FEATURES = (
    *behaviour_module.FEATURES,
    *bursts_module.FEATURES,
    *(f for f in lockstep_module.FEATURES if f != "lockstep_fraudar"),
)
"""What the shipped model uses. ``lockstep_fraudar`` is left out: FRAUDAR's single densest
block is heavy genuine reviewers in one corpus and a spam ring in another, so its weight
does not transfer (YelpZip -> YelpChi AUC 0.769 without it, 0.751 with it)."""


def run_signals(reviews: Reviews) -> list[SignalOutput]:
    """The metadata signals: behaviour, bursts, lockstep."""
    return [behaviour(reviews), bursts(reviews), lockstep(reviews)]


def feature_table(outputs: Sequence[SignalOutput]) -> dict[str, FloatArray]:
    """All features of all outputs by name (a later output wins on a name clash)."""
    table: dict[str, FloatArray] = {}
    for output in outputs:
        table.update(output.features)
    return table


def _logit(p: FloatArray) -> FloatArray:
    result: FloatArray = np.log(p) - np.log1p(-p)
    return result


def _bin_edges(values: FloatArray, n_bins: int) -> FloatArray:
    """Cut points between training quantiles (midpoints between distinct values if few)."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return np.zeros(0)
    distinct = np.unique(finite)
    if len(distinct) <= n_bins:
        edges = (distinct[1:] + distinct[:-1]) / 2.0
    else:
        q = np.quantile(finite, np.linspace(0, 1, n_bins + 1)[1:-1], method="inverted_cdf")
        edges = np.unique(q)
    return np.asarray(edges, np.float64)


@dataclass
class Combiner:
    """The shipped model: per-feature bin edges and weights, intercept, isotonic calibration."""

    features: list[str]
    edges: list[FloatArray]
    weights: list[FloatArray]
    missing: FloatArray  # contribution of a feature that is absent (its training mean)
    intercept: float
    calibration_x: FloatArray  # isotonic: raw logit -> P(not genuine)
    calibration_y: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)

    def raw_logit(self, table: Mapping[str, FloatArray], n: int) -> FloatArray:
        total = np.full(n, self.intercept)
        for j, name in enumerate(self.features):
            values = table.get(name)
            if values is None:
                total += self.missing[j]
                continue
            values = np.asarray(values, np.float64)
            bins = np.searchsorted(self.edges[j], values, side="right")
            total += np.where(np.isfinite(values), self.weights[j][bins], self.missing[j])
        return total

    def spam_probability(self, table: Mapping[str, FloatArray], n: int) -> FloatArray:
        """Calibrated P(not genuine) from the metadata features alone."""
        raw = self.raw_logit(table, n)
        if len(self.calibration_x) == 0:
            p = 1.0 / (1.0 + np.exp(-raw))
        else:
            p = np.interp(raw, self.calibration_x, self.calibration_y)
        return np.clip(p, PROB_FLOOR, 1.0 - PROB_FLOOR)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "binned-logistic-gam",
            "version": 1,
            "meta": self.meta,
            "intercept": self.intercept,
            "features": [
                {
                    "name": name,
                    "edges": [float(x) for x in self.edges[j]],
                    "weights": [round(float(x), 6) for x in self.weights[j]],
                    "missing": round(float(self.missing[j]), 6),
                }
                for j, name in enumerate(self.features)
            ],
            "calibration": {
                "method": "isotonic",
                "x": [round(float(x), 6) for x in self.calibration_x],
                "y": [round(float(y), 6) for y in self.calibration_y],
            },
            "assumed_terms": {
                "text_deceptive": {"kind": "log-likelihood-ratio", "weight": TEXT_WEIGHT},
                "text_generated": {"kind": "log-likelihood-ratio", "weight": TEXT_WEIGHT},
                "dup_distinct_reviewers": {"kind": "odds-factor", "max": DUP_MAX_FACTOR},
            },
        }

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Combiner":
        features = data["features"]
        return cls(
            features=[f["name"] for f in features],
            edges=[np.asarray(f["edges"], np.float64) for f in features],
            weights=[np.asarray(f["weights"], np.float64) for f in features],
            missing=np.asarray([f["missing"] for f in features], np.float64),
            intercept=float(data["intercept"]),
            calibration_x=np.asarray(data["calibration"]["x"], np.float64),
            calibration_y=np.asarray(data["calibration"]["y"], np.float64),
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "Combiner":
        return cls.from_json(json.loads(path.read_text()))


@lru_cache(maxsize=1)
def shipped_model() -> Combiner:
    """The shipped model, read once per process (do not mutate it)."""
    return Combiner.load()


def _design(
    table: Mapping[str, FloatArray], names: Sequence[str], edges: Sequence[FloatArray], n: int
) -> tuple[sp.csr_matrix, list[int]]:
    """One-hot bins of every feature as a sparse matrix, and each feature's column offset."""
    offsets: list[int] = []
    rows, cols = [], []
    offset = 0
    for name, cut in zip(names, edges, strict=True):
        values = np.nan_to_num(np.asarray(table[name], np.float64), nan=-np.inf)
        offsets.append(offset)
        rows.append(np.arange(n))
        cols.append(offset + np.searchsorted(cut, values, side="right"))
        offset += len(cut) + 1
    matrix = sp.csr_matrix(
        (np.ones(n * len(names)), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, offset),
    )
    return matrix, offsets


def fit_gam(
    table: Mapping[str, FloatArray],
    spam: BoolArray,
    names: Sequence[str],
    n_bins: int = N_BINS,
    c: float = L2_C,
) -> Combiner:
    """Fit the binned logistic model (no calibration: see ``fit_combiner``)."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    n = len(spam)
    edges = [_bin_edges(np.asarray(table[name], np.float64), n_bins) for name in names]
    design, offsets = _design(table, names, edges, n)
    model = LogisticRegression(C=c, max_iter=1000, tol=1e-4).fit(design, spam)
    coef = model.coef_.ravel()
    weights = [coef[o : o + len(e) + 1].copy() for o, e in zip(offsets, edges, strict=True)]
    occupancy = np.asarray(design.sum(axis=0)).ravel() / max(n, 1)
    missing = np.array(
        [float(np.dot(w, occupancy[o : o + len(w)])) for w, o in zip(weights, offsets, strict=True)]
    )
    return Combiner(
        features=list(names),
        edges=edges,
        weights=weights,
        missing=missing,
        intercept=float(model.intercept_[0]),
        calibration_x=np.zeros(0),
        calibration_y=np.zeros(0),
    )


def calibrate(model: Combiner, raw: FloatArray, spam: BoolArray) -> Combiner:
    """Attach an isotonic map from held-out raw logits to P(not genuine)."""
    from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, spam)
    model.calibration_x = np.asarray(iso.X_thresholds_, np.float64)
    model.calibration_y = np.asarray(iso.y_thresholds_, np.float64)
    return model


def fit_combiner(
    tables: Sequence[Mapping[str, FloatArray]],
    spams: Sequence[BoolArray],
    groups: Sequence[IntArray],
    names: Sequence[str],
    folds: int = 5,
    n_bins: int = N_BINS,
    c: float = L2_C,
) -> Combiner:
    """Fit on one or more corpora (features computed per corpus), calibrated out-of-fold.

    ``groups``: user ids per corpus; folds never split a user, so the calibration data
    is held out from the model that scores it.
    """
    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

    table = {name: np.concatenate([t[name] for t in tables]) for name in names}
    spam = np.concatenate(list(spams))
    group = np.concatenate([g + 10**9 * i for i, g in enumerate(groups)])
    n = len(spam)
    held_out = np.zeros(n)
    for train, test in GroupKFold(folds).split(np.zeros(n), spam, group):
        part = fit_gam({k: v[train] for k, v in table.items()}, spam[train], names, n_bins, c)
        held_out[test] = part.raw_logit({k: v[test] for k, v in table.items()}, len(test))
    model = fit_gam(table, spam, names, n_bins, c)
    return calibrate(model, held_out, spam)


def _text_terms(table: Mapping[str, FloatArray], n: int) -> FloatArray:
    """Log-odds added by the text and duplicate signals when present (assumptions, see above)."""
    total = np.zeros(n)
    for name in ("text_deceptive", "text_generated"):
        p = table.get(name)
        if p is None:
            continue
        p = np.asarray(p, np.float64)
        scored = np.isfinite(p) & (p > 0)
        clipped = np.clip(np.where(scored, p, 0.5), *TEXT_CLIP)
        total += np.where(scored, TEXT_WEIGHT * _logit(clipped), 0.0)
    k = table.get("dup_distinct_reviewers")
    if k is not None:
        k = np.nan_to_num(np.asarray(k, np.float64))
        total += np.where(k >= 2, np.log(np.minimum(np.maximum(k, 1.0), DUP_MAX_FACTOR)), 0.0)
    return total


def merged_reasons(outputs: Sequence[SignalOutput], n: int) -> SignalOutput:
    """All flags and numbers of all outputs in one table (a later output wins on a clash)."""
    merged = SignalOutput(name="combined")
    for output in outputs:
        merged.flags.update(output.flags)
        merged.numbers.update(output.numbers)
    return merged


def combine(
    reviews: Reviews, outputs: Sequence[SignalOutput], model: Combiner | None = None
) -> tuple[FloatArray, SignalOutput]:
    """Trust in [0, 1] (calibrated probability the review is genuine) and the merged reasons.

    ``outputs``: any signals (metadata and text); features the model does not know are
    ignored, features it knows but that are absent contribute their training average.
    """
    n = len(reviews)
    if model is None:
        model = shipped_model()
    for output in outputs:
        for name, values in output.features.items():
            if len(values) != n:
                raise ValueError(f"{output.name}.{name}: {len(values)} values for {n} reviews")
    table = feature_table(outputs)
    spam = model.spam_probability(table, n)
    logit = _logit(spam) + _text_terms(table, n)
    trust = 1.0 / (1.0 + np.exp(logit))
    trust = np.minimum(trust, burst_cap(table, n))
    trust = np.clip(trust, 0.0, 1.0)
    return trust, merged_reasons(outputs, n)


def burst_cap(table: Mapping[str, FloatArray], n: int) -> FloatArray:
    """The most trust a review in a burst can keep: the share of its window's reviews with
    its star that the product's own history explains (1.0 outside bursts, see
    ``candor.trust.bursts.EXPLAINED``)."""
    explained = table.get(bursts_module.EXPLAINED)
    if explained is None:
        return np.ones(n)
    return np.clip(np.nan_to_num(np.asarray(explained, np.float64), nan=1.0), 0.0, 1.0)


# ---------------------------------------------------------------------------- sentences

STAR_WORDS = {1: "one-star", 2: "two-star", 3: "three-star", 4: "four-star", 5: "five-star"}


def _count(n: float, one: str, many: str) -> str:
    k = round(n)
    return f"{k:,} {one if k == 1 else many}"


def _burst(numbers: Mapping[str, FloatArray], i: int) -> str:
    zero = np.zeros(i + 1)
    size = float(numbers.get("burst", zero)[i])
    span = float(numbers.get("burst_days", zero)[i])
    star = int(numbers.get("burst_star", zero)[i])
    star_count = float(numbers.get("burst_star_count", zero)[i])
    days_text = _count(max(span, 1), "day", "days")
    if star in STAR_WORDS and star_count >= size:
        return f"posted in a burst of {round(size):,} {STAR_WORDS[star]} reviews in {days_text}"
    text = f"posted in a burst of {_count(size, 'review', 'reviews')} in {days_text}"
    if star in STAR_WORDS:
        text += f", {round(star_count):,} of them {STAR_WORDS[star]}"
    return text


def _lockstep(numbers: Mapping[str, FloatArray], i: int, noun: tuple[str, str]) -> str:
    zero = np.zeros(i + 1)
    shared = float(numbers.get("lockstep", zero)[i])
    others = float(numbers.get("lockstep_accounts", zero)[i])
    return (
        f"account reviewed the same {_count(shared, *noun)} as "
        f"{_count(others, 'other account', 'other accounts')}, around the same time and "
        "with the same stars"
    )


def _sentence(code: str, nb: Mapping[str, FloatArray], i: int, noun: tuple[str, str]) -> str:
    def number(key: str) -> float:
        values = nb.get(key)
        return float(values[i]) if values is not None else 0.0

    if code == "lockstep":
        return _lockstep(nb, i, noun)
    if code == "burst":
        return _burst(nb, i)
    if code == "near_duplicate":
        size = number("near_duplicate")
        if size >= 2:
            return f"one of {round(size):,} near-identical reviews"
        return "near-identical to another review"
    if code == "generated_text":
        return f"text reads as machine-generated ({round(number(code))}/100)"
    if code == "deceptive_text":
        return f"text reads like an invented first-hand review ({round(number(code))}/100)"
    if code == "review_spree":
        return f"account posted {round(number(code)):,} reviews in one day"
    if code == "extreme_rater":
        count = _count(number(code), "review", "reviews")
        return f"account gives only one- or five-star ratings ({count})"
    if code == "deviant_rater":
        return (
            f"account's ratings differ from other reviewers' by {number(code):.1f} stars on average"
        )
    if code == "single_use_account":
        return "single-review account"
    raise KeyError(code)


REASON_ORDER = (
    "lockstep",
    "near_duplicate",
    "burst",
    "generated_text",
    "deceptive_text",
    "review_spree",
    "extreme_rater",
    "deviant_rater",
    "single_use_account",
)
"""Reason codes that get a sentence, most serious first. Other flags (``early_reviewer``,
``text_truncated``) are context, not reasons."""


def coded_reasons(
    merged: SignalOutput, i: int, noun: tuple[str, str] = ("book", "books")
) -> list[tuple[str, str]]:
    """``(code, sentence)`` for each reason that applies to review ``i``, most serious
    first. ``noun``: what a product is called, singular and plural."""
    return [
        (code, _sentence(code, merged.numbers, i, noun))
        for code in REASON_ORDER
        if code in merged.flags and bool(merged.flags[code][i])
    ]


def reasons(merged: SignalOutput, i: int, noun: tuple[str, str] = ("book", "books")) -> list[str]:
    """Plain-English sentences for review ``i``, most serious first."""
    return [sentence for _, sentence in coded_reasons(merged, i, noun)]
