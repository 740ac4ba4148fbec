"""Signals -> trust probability per review, plus plain-English reasons.

The combiner
------------
Boosted shallow regression trees: ``logit P(not genuine)`` is a baseline plus the sum of
a few hundred trees of at most ``MAX_LEAVES`` leaves, each leaf holding at least
``MIN_LEAF`` training reviews (fitted by scikit-learn's histogram gradient boosting,
exported to plain JSON and evaluated here, compiled, by `candor.trust.tree_walk`). The
sum is then calibrated by centred isotonic regression fitted on held-out (user-grouped
out-of-fold) scores, and ``trust = 1 - P(not genuine)``.

Why shallow trees: a tree of four leaves sees at most three features at once, so the
model learns the few interactions that matter (an account's review count changes what a
rating deviation means) without the deep, corpus-specific splits that do not carry over
to another corpus. Measured with ``research.evaluate_yelp``: against the earlier binned logistic
GAM it ranks better within every Yelp corpus *and* across corpora, while deep trees
(31 leaves) gain within a corpus and lose across corpora. The model is a few hundred
kilobytes of JSON (no pickle, no scikit-learn at scoring time).

A feature missing from ``outputs`` (a signal that was not run) is averaged out: at a
split on it, the tree takes both branches weighted by the training reviews that went each
way, so the model works with any subset of the signals. A NaN in one review follows the
branch the training data chose for missing values.

From the model to trust: no signal vouches for a review
-------------------------------------------------------
The fitted model says how likely a review is to be genuine given its account's history,
but an attacker controls that history (an account's age is counted from its own first
review; camouflage reviews are cheap). So trust never uses the model's probability as
such. It compares each review with the *same review written by an ordinary reader*, an
account that wrote just that review (``ordinary_reader``):

    account = min(1, P(genuine | its account) / P(genuine | an ordinary reader))
    text    = min(1, P(genuine | an ordinary reader and its text) / P(genuine | an ordinary reader))
    trust   = account * text * evidence factors, then at most the caps, times influence

An account's history can make its reviews count less (a spree, only extreme ratings,
always away from other readers) and never more than an ordinary reader's: an aged
sockpuppet and a real reader who wrote one review both start at 1. A single-review
account is the ordinary reader, so it is not suspicious by itself. The Yelp evaluation
rows (`candor evaluate`) measure the fitted model's ranking (`genuine_probability`).

The text terms (``candor.trust.text``; Yelp has no text, so the Yelp-trained part cannot
learn them) are stated assumptions, documented in the model JSON under
``assumed_terms``: ``text_deceptive`` / ``text_generated`` are probabilities from
balanced (50/50) training sets, so ``logit(p)`` is a log likelihood ratio and we add
``TEXT_WEIGHT * logit(clip(p))`` to the odds of not-genuine (damped because the text
models were trained on other domains). ``p == 0`` means "not scored" (too short, no
text) and adds nothing; a text that reads honest is capped away like any other vouching.

The other signals give factors in [0, 1] (``EVIDENCE_FACTORS``: copied text, a dense
group of accounts, an off-topic text, a fresh account; they multiply) and caps
(``CAP_FACTORS``: the share of a burst or of a long-window change its book's history
explains; the smallest holds). A signal that did not run gives 1.

Bursts: a review flagged in a burst window, where the window holds ``k_s`` reviews with
its star and the product's own history predicts ``e_s`` of them, keeps at most
``e_s / k_s`` trust: only that share of the window is explained by the product's
ordinary traffic, and nothing in a single review tells the ordinary ones from the
excess. The history includes the months after the window, so when a higher rate lasts
(a prize, a new audience) it becomes the product's history and the cap lifts.

Last, `candor.trust.influence` bounds what any one 30-day block of an established
book's reviews can count for, whatever the signals found (`bounded_influence`).

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

from candor.trust import behaviour as behaviour_module
from candor.trust import bursts as bursts_module
from candor.trust import influence, live
from candor.trust import lockstep as lockstep_module
from candor.trust.behaviour import behaviour
from candor.trust.bursts import bursts
from candor.trust.lockstep import lockstep
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput
from candor.trust.tree_walk import tree_sums

MODEL_PATH = Path(__file__).parent / "models" / "behaviour_combiner.json"
MAX_LEAVES = 4
MIN_LEAF = 500
LEARNING_RATE = 0.05
MAX_TREES = 300
PROB_FLOOR = 1e-3
TEXT_WEIGHT = 0.5
TEXT_CLIP = (0.05, 0.95)

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


@dataclass
class Trees:
    """Boosted regression trees as flat node arrays (all trees share the arrays).

    Node ``i`` is a leaf when ``feature[i] < 0`` (its output is ``value[i]``); otherwise
    a review goes to ``left[i]`` when its value of feature ``feature[i]`` is
    ``<= threshold[i]`` (NaN: left when ``missing_left[i]``), else to ``right[i]``.
    ``count[i]``: training reviews that reached the node. ``roots``: first node of each tree.
    """

    feature: IntArray
    threshold: FloatArray
    left: IntArray
    right: IntArray
    missing_left: BoolArray
    value: FloatArray
    count: FloatArray
    roots: IntArray

    def total(self, columns: Sequence[FloatArray | None], n: int) -> FloatArray:
        """The sum of the trees' outputs for every row (`candor.trust.tree_walk`).

        ``columns[j]`` is None when feature ``j`` is absent: at a split on it both
        branches count, weighted by their training counts.
        """
        inner = self.feature >= 0
        n_left = np.where(inner, self.count[self.left], 0.0)
        n_right = np.where(inner, self.count[self.right], 0.0)
        share = n_left / np.maximum(n_left + n_right, 1.0)
        return tree_sums(
            list(columns),
            n,
            self.feature,
            self.threshold,
            self.left,
            self.right,
            self.missing_left,
            self.value,
            share,
            self.roots,
        )

    def to_json(self) -> list[list[Any]]:
        """One list per node: a leaf ``[value, count]``, a split
        ``[feature, threshold, left, right, missing_left, count]`` (node indices are global)."""
        nodes: list[list[Any]] = []
        for i in range(len(self.feature)):
            count = int(self.count[i])
            if self.feature[i] < 0:
                nodes.append([round(float(self.value[i]), 8), count])
            else:
                nodes.append(
                    [
                        int(self.feature[i]),
                        float(self.threshold[i]),
                        int(self.left[i]),
                        int(self.right[i]),
                        int(bool(self.missing_left[i])),
                        count,
                    ]
                )
        return nodes

    @classmethod
    def from_json(cls, nodes: Sequence[Sequence[Any]], roots: Sequence[int]) -> "Trees":
        n = len(nodes)
        trees = cls(
            feature=np.full(n, -1, np.int64),
            threshold=np.zeros(n),
            left=np.zeros(n, np.int64),
            right=np.zeros(n, np.int64),
            missing_left=np.zeros(n, bool),
            value=np.zeros(n),
            count=np.zeros(n),
            roots=np.asarray(roots, np.int64),
        )
        for i, node in enumerate(nodes):
            if len(node) == 2:
                trees.value[i], trees.count[i] = node
            elif len(node) == 6:
                feature, threshold, left, right, missing_left, count = node
                trees.feature[i], trees.threshold[i] = feature, threshold
                trees.left[i], trees.right[i] = left, right
                trees.missing_left[i], trees.count[i] = bool(missing_left), count
            else:
                raise ValueError(f"trees node {i}: {len(node)} fields, expected 2 or 6")
        inner = trees.feature >= 0
        for name, child in (("left", trees.left), ("right", trees.right)):
            bad = inner & ((child <= np.arange(n)) | (child >= n))
            if bad.any():
                raise ValueError(f"trees node {int(np.argmax(bad))}: {name} child out of range")
        return trees


@dataclass
class Combiner:
    """The shipped model: boosted trees over named features, isotonic calibration."""

    features: list[str]
    trees: Trees
    baseline: float
    calibration_x: FloatArray  # isotonic: raw logit -> P(not genuine)
    calibration_y: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)

    def raw_logit(self, table: Mapping[str, FloatArray], n: int) -> FloatArray:
        columns = [
            None if table.get(name) is None else np.asarray(table[name], np.float64)
            for name in self.features
        ]
        return self.baseline + self.trees.total(columns, n)

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
            "kind": "boosted-trees",
            "version": 2,
            "meta": self.meta,
            "features": self.features,
            "baseline": self.baseline,
            "roots": [int(r) for r in self.trees.roots],
            "nodes": self.trees.to_json(),
            "calibration": {
                "method": "isotonic",
                "x": [round(float(x), 6) for x in self.calibration_x],
                "y": [round(float(y), 6) for y in self.calibration_y],
            },
            "assumed_terms": {
                "text_deceptive": {"kind": "log-likelihood-ratio", "weight": TEXT_WEIGHT},
                "text_generated": {"kind": "log-likelihood-ratio", "weight": TEXT_WEIGHT},
            },
        }

    def save(self, path: Path = MODEL_PATH) -> None:
        """Plain JSON; each tree node on one line so the file stays small and diffable."""
        data = self.to_json()
        nodes = data.pop("nodes")
        text = json.dumps(data, indent=1)
        body = ",\n".join("  " + json.dumps(node) for node in nodes)
        path.write_text(text[:-2] + ',\n "nodes": [\n' + body + "\n ]\n}\n")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Combiner":
        if data.get("kind") != "boosted-trees" or data.get("version") != 2:
            raise ValueError(
                f"combiner: kind {data.get('kind')!r} version {data.get('version')!r}, "
                "expected 'boosted-trees' version 2 "
                "(refit with python -m research.evaluate_yelp --train-model)"
            )
        trees = Trees.from_json(data["nodes"], data["roots"])
        features = [str(name) for name in data["features"]]
        used = trees.feature[trees.feature >= 0]
        if len(used) and int(used.max()) >= len(features):
            raise ValueError(
                f"combiner: a node splits on feature {int(used.max())}, "
                f"but only {len(features)} features are named"
            )
        return cls(
            features=features,
            trees=trees,
            baseline=float(data["baseline"]),
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


def export_trees(model: Any) -> tuple[Trees, float]:
    """The trees and baseline logit of a fitted binary ``HistGradientBoostingClassifier``.

    Uses the predictor node arrays of scikit-learn (``_predictors``); the test
    ``test_exported_trees_match_scikit_learn`` checks that the export scores exactly as
    scikit-learn does, so a change of that private layout fails loudly.
    """
    columns: dict[str, list[Any]] = {k: [] for k in ("f", "t", "l", "r", "m", "v", "c")}
    roots: list[int] = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        offset = len(columns["f"])
        roots.append(offset)
        leaf = nodes["is_leaf"].astype(bool)
        columns["f"].extend(np.where(leaf, -1, nodes["feature_idx"]).tolist())
        columns["t"].extend(nodes["num_threshold"].tolist())
        columns["l"].extend((nodes["left"].astype(np.int64) + offset).tolist())
        columns["r"].extend((nodes["right"].astype(np.int64) + offset).tolist())
        columns["m"].extend(nodes["missing_go_to_left"].astype(bool).tolist())
        columns["v"].extend(nodes["value"].tolist())
        columns["c"].extend(nodes["count"].tolist())
    trees = Trees(
        feature=np.asarray(columns["f"], np.int64),
        threshold=np.asarray(columns["t"], np.float64),
        left=np.asarray(columns["l"], np.int64),
        right=np.asarray(columns["r"], np.int64),
        missing_left=np.asarray(columns["m"], bool),
        value=np.asarray(columns["v"], np.float64),
        count=np.asarray(columns["c"], np.float64),
        roots=np.asarray(roots, np.int64),
    )
    return trees, float(np.ravel(model._baseline_prediction)[0])


def fit_trees(
    table: Mapping[str, FloatArray],
    spam: BoolArray,
    names: Sequence[str],
    seed: int = 0,
) -> Combiner:
    """Fit the boosted trees (no calibration: see ``fit_combiner``)."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

    features = np.column_stack([np.asarray(table[name], np.float64) for name in names])
    model = HistGradientBoostingClassifier(
        learning_rate=LEARNING_RATE,
        max_iter=MAX_TREES,
        max_leaf_nodes=MAX_LEAVES,
        min_samples_leaf=MIN_LEAF,
        early_stopping=True,
        random_state=seed,
    ).fit(features, spam)
    trees, baseline = export_trees(model)
    return Combiner(
        features=list(names),
        trees=trees,
        baseline=baseline,
        calibration_x=np.zeros(0),
        calibration_y=np.zeros(0),
    )


def calibrate(model: Combiner, raw: FloatArray, spam: BoolArray) -> Combiner:
    """Attach a centred isotonic map from held-out raw logits to P(not genuine).

    Plain isotonic regression is a staircase: every review on one step gets the same
    probability, so the ranking the trees made inside a step is lost (about 0.001 AUC
    across corpora). The centred version (Oron & Flournoy 2017) puts one knot at the
    middle of each step and interpolates linearly between knots, so the map is strictly
    increasing between the first and the last knot and keeps the trees' order.
    """
    from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, spam)
    x = np.asarray(iso.X_thresholds_, np.float64)
    y = np.asarray(iso.y_thresholds_, np.float64)
    step_start = np.ones(len(y), bool)
    step_start[1:] = y[1:] != y[:-1]
    step = np.cumsum(step_start) - 1
    model.calibration_x = np.bincount(step, weights=x) / np.bincount(step)
    model.calibration_y = y[step_start]
    return model


def fit_combiner(
    tables: Sequence[Mapping[str, FloatArray]],
    spams: Sequence[BoolArray],
    groups: Sequence[IntArray],
    names: Sequence[str],
    folds: int = 5,
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
        part = fit_trees({k: v[train] for k, v in table.items()}, spam[train], names)
        held_out[test] = part.raw_logit({k: v[test] for k, v in table.items()}, len(test))
    model = fit_trees(table, spam, names)
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
    Two steps, which `candor score` runs apart on its engine (`candor.pipeline.combined`):
    `review_trust`, each review on its own features, then `bounded`, each book's
    reviews together.
    """
    n = len(reviews)
    for output in outputs:
        for name, values in output.features.items():
            if len(values) != n:
                raise ValueError(f"{output.name}.{name}: {len(values)} values for {n} reviews")
    trust = review_trust(feature_table(outputs), reviews.verified, model)
    merged = merged_reasons(outputs, n)
    return bounded(trust, reviews.verified, reviews.product, reviews.time, merged), merged


def review_trust(
    table: Mapping[str, FloatArray], verified: BoolArray, model: Combiner | None = None
) -> FloatArray:
    """Each review's trust before bounded influence, from its own features (``table``,
    `feature_table`) and verified flag alone: the same for a review in any batch."""
    if model is None:
        model = shipped_model()
    n = len(verified)
    ordinary = ordinary_reader(table, verified) if "single_review" in table else table
    ordinary_spam = model.spam_probability(ordinary, n)  # once: it serves two terms
    reference = _genuine(ordinary_spam)
    # What the account adds, and what the text adds, each against that ordinary reader:
    # either can lower trust, neither can raise it or offset the other.
    account = np.minimum(1.0, genuine_probability(model, table, n, text=False) / reference)
    text = np.minimum(1.0, _genuine(ordinary_spam, _text_terms(ordinary, n)) / reference)
    if "single_review" not in table:  # no account features: nothing against the account
        account = np.ones(n)
    trust = account * text * evidence_factors(table, n)
    result: FloatArray = np.clip(np.minimum(trust, caps(table, n)), 0.0, 1.0)
    return result


def bounded(
    trust: FloatArray,
    verified: BoolArray,
    product: IntArray,
    time: IntArray,
    merged: SignalOutput,
) -> FloatArray:
    """``trust`` (`review_trust`) after bounded influence (`influence.bounded_influence`:
    a book's reviews together), which adds its flag and numbers to ``merged``; the
    reviews of one book give the same whatever other books are in ``product``."""
    share, block_size, history = influence.bounded_influence(trust, verified, product, time)
    hit = share < 1.0
    merged.flags[influence.CODE] = hit
    merged.numbers[influence.CODE] = np.where(hit, block_size, 0.0)
    merged.numbers[f"{influence.CODE}_history"] = np.where(hit, history, 0.0)
    merged.numbers[f"{influence.CODE}_share"] = share
    result: FloatArray = trust * share
    return result


def genuine_probability(
    model: Combiner, table: Mapping[str, FloatArray], n: int, text: bool = True
) -> FloatArray:
    """P(genuine) from the fitted model and, with ``text``, the text terms."""
    return _genuine(model.spam_probability(table, n), _text_terms(table, n) if text else None)


def _genuine(spam: FloatArray, text_terms: FloatArray | None = None) -> FloatArray:
    """P(genuine) from P(not genuine) and the log-odds the text terms add."""
    logit = _logit(spam)
    if text_terms is not None:
        logit = logit + text_terms
    result: FloatArray = 1.0 / (1.0 + np.exp(logit))
    return result


def ordinary_reader(table: Mapping[str, FloatArray], verified: BoolArray) -> dict[str, FloatArray]:
    """The feature table of the same reviews written by ordinary single-review accounts
    (`behaviour.as_single_review_account`), in no lockstep group."""
    ordinary = behaviour_module.as_single_review_account(dict(table), verified)
    # Not in lockstep with anyone; the core number is the graph around the review's own
    # cells, which a single-review account has too.
    for name in ("lockstep_others", "lockstep_shared", "lockstep_member"):
        if name in ordinary:
            ordinary[name] = np.zeros(len(verified))
    return ordinary


EVIDENCE_FACTORS = ("copy_factor", "dense_factor", "relevance_factor", "new_account_factor")
"""Signals' factors in [0, 1], each evidence of its own that a review is not genuine:
they multiply."""
CAP_FACTORS = (bursts_module.EXPLAINED, "change_factor")
"""Signals' caps in [0, 1], each the share of a group of reviews their book's history
explains: the smallest one holds (they explain the same excess, not independent ones)."""


def evidence_factors(table: Mapping[str, FloatArray], n: int) -> FloatArray:
    product = np.ones(n)
    for name in EVIDENCE_FACTORS:
        product = product * factor(table, name, n)
    return product


def caps(table: Mapping[str, FloatArray], n: int) -> FloatArray:
    least = np.ones(n)
    for name in CAP_FACTORS:
        least = np.minimum(least, factor(table, name, n))
    return least


def factor(table: Mapping[str, FloatArray], name: str, n: int) -> FloatArray:
    """A signal's factor in [0, 1]; 1 where the signal did not run or has no value."""
    values = table.get(name)
    if values is None:
        return np.ones(n)
    return np.clip(np.nan_to_num(np.asarray(values, np.float64), nan=1.0), 0.0, 1.0)


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
    if code == "copied_text":
        copies = round(number(code))
        return f"one of {copies:,} copies of the same text; an earlier review had it first"
    if code == "dense_group":
        accounts = _count(number(code), "account", "accounts")
        return (
            f"part of a group of {accounts} that reviewed the same "
            f"{_count(number('dense_group_products'), *noun)}, apart from other readers"
        )
    if code == "off_topic":
        return f"text has little to do with this {noun[0]} or what its other readers wrote"
    if code == "change_by_new_accounts":
        return (
            f"one of {_count(number(code), 'review', 'reviews')} that changed this {noun[0]}'s "
            "star mix beyond what its earlier reviews allow"
        )
    if code == influence.CODE:
        return _influence(nb, i, noun)
    if code == live.NEW_ACCOUNT:
        return live.new_account_sentence(number(code), number(live.NEW_ACCOUNT_FEATURE))
    raise KeyError(code)


def _influence(numbers: Mapping[str, FloatArray], i: int, noun: tuple[str, str]) -> str:
    block = _count(float(numbers[influence.CODE][i]), "review", "reviews")
    history = float(numbers[f"{influence.CODE}_history"][i])
    share = float(numbers[f"{influence.CODE}_share"][i])
    return (
        f"one of {block} posted within {influence.PERIOD_DAYS} days on a {noun[0]} with "
        f"{history:,.0f} earlier reviews' worth: together they count no more than those "
        f"(each {share:.2f}x)"
    )


REASON_ORDER = (
    "copied_text",
    "dense_group",
    "lockstep",
    "burst",
    "change_by_new_accounts",
    live.NEW_ACCOUNT,
    influence.CODE,
    "off_topic",
    "generated_text",
    "deceptive_text",
    "review_spree",
    "extreme_rater",
    "deviant_rater",
)
"""Reason codes that get a sentence, most serious first. Other flags are context, not
reasons: ``early_reviewer``, ``text_truncated``, ``single_use_account`` (most honest
readers write one review) and ``near_duplicate`` (the first of a cluster of near-identical
texts is the original; the later ones are ``copied_text``)."""


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
