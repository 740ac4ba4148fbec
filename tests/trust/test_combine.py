"""The combiner: shipped model loads without pickle, trust in [0, 1], text signals optional,
reason sentences, calibration, bad input."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.trust.combine import (
    COMBINER_FEATURES,
    MODEL_PATH,
    Combiner,
    Trees,
    calibrate,
    combine,
    export_trees,
    fit_combiner,
    fit_trees,
    merged_reasons,
    reasons,
    run_signals,
)
from candor.trust.table import SECONDS_PER_DAY, Reviews, SignalOutput

DAY = SECONDS_PER_DAY


def corpus(n: int = 3000, seed: int = 0) -> Reviews:
    rng = np.random.default_rng(seed)
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=rng.integers(0, 60, n),
        reviewer=np.minimum(rng.zipf(1.8, n) - 1, n),
        rating=rng.choice([1, 2, 3, 4, 5], n, p=[0.1, 0.1, 0.2, 0.3, 0.3]),
        time=rng.integers(0, 1000, n) * DAY,
        verified=rng.random(n) < 0.5,
        helpful=np.zeros(n, np.int64),
    )


def tiny(n: int) -> Reviews:
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=np.zeros(n, np.int64),
        reviewer=np.arange(n, dtype=np.int64),
        rating=np.full(n, 5, np.int64),
        time=np.full(n, 1_600_000_000, np.int64),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )


def test_shipped_model_is_json_and_loads() -> None:
    data = json.loads(MODEL_PATH.read_text())  # plain JSON: loading runs no code
    assert data["kind"] == "boosted-trees"
    model = Combiner.load()
    assert model.features == list(COMBINER_FEATURES)
    assert "research" in model.meta["licence"]
    assert MODEL_PATH.stat().st_size < 100_000
    again = Combiner.from_json(json.loads(json.dumps(model.to_json())))
    table = {name: np.linspace(0, 50, 7) for name in model.features}
    np.testing.assert_allclose(again.spam_probability(table, 7), model.spam_probability(table, 7))


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_bad_input_does_not_crash(n: int) -> None:
    r = tiny(n)
    trust, merged = combine(r, run_signals(r))
    assert trust.shape == (n,)
    assert ((trust >= 0) & (trust <= 1)).all()
    for i in range(n):
        assert isinstance(reasons(merged, i), list)


def test_trust_in_unit_interval_and_signals_optional() -> None:
    r = corpus()
    outputs = run_signals(r)
    trust, _ = combine(r, outputs)
    assert trust.shape == (len(r),) and ((trust > 0) & (trust <= 1)).all()
    only_behaviour, _ = combine(r, outputs[:1])  # bursts and lockstep not run
    assert ((only_behaviour > 0) & (only_behaviour <= 1)).all()
    nothing, _ = combine(r, [])
    assert np.allclose(nothing, nothing[0])  # every feature at its average: one value


def test_text_and_duplicate_signals_move_trust() -> None:
    r = corpus(500)
    outputs = run_signals(r)
    base, _ = combine(r, outputs)
    n = len(r)
    p = np.zeros(n)
    p[:100] = 0.97  # confidently deceptive
    p[100:200] = 0.03  # confidently honest
    text = SignalOutput(
        name="text",
        features={"text_deceptive": p, "text_generated": np.zeros(n)},
        flags={"deceptive_text": p >= 0.9, "generated_text": np.zeros(n, bool)},
        numbers={"deceptive_text": np.round(p * 100), "generated_text": np.zeros(n)},
    )
    clusters = np.ones(n)
    clusters[300:314] = 14
    copied = np.zeros(n, bool)
    copied[301:314] = True  # 300 is the original
    dup = SignalOutput(
        name="copies",
        features={"copy_factor": np.where(copied, 0.05, 1.0)},
        flags={"copied_text": copied},
        numbers={"copied_text": clusters},
    )
    trust, merged = combine(r, [*outputs, text, dup])
    assert (trust[:100] < base[:100]).all()
    # A text that reads honest vouches for nothing: trust cannot rise above where the
    # account's own features put it.
    assert (trust[100:200] <= base[100:200] + 1e-12).all()
    np.testing.assert_allclose(trust[200:300], base[200:300])  # p == 0: not scored
    assert (trust[301:314] <= 0.05 * base[301:314] + 1e-12).all()
    np.testing.assert_allclose(trust[300], base[300])  # the original keeps its trust
    assert reasons(merged, 301)[0].startswith("one of 14 copies of the same text")
    assert any(s.startswith("text reads like an invented") for s in reasons(merged, 0))


def test_burst_share_caps_trust() -> None:
    """A review in a burst keeps no more trust than the share of its window that the
    product's history explains; the others are untouched."""
    r = corpus(500)
    outputs = run_signals(r)
    base, _ = combine(r, outputs)
    explained = np.ones(len(r))
    explained[:50] = 0.04
    cap = SignalOutput(name="bursts", features={"burst_explained": explained})
    trust, _ = combine(r, [*outputs, cap])
    assert (trust[:50] <= 0.04).all()
    np.testing.assert_allclose(trust[50:], base[50:])


def test_reason_sentences() -> None:
    n = 3
    merged = merged_reasons(
        [
            SignalOutput(
                name="x",
                flags={
                    "burst": np.array([True, True, False]),
                    "lockstep": np.array([True, False, False]),
                    "single_use_account": np.array([True, False, True]),
                    "near_duplicate": np.array([False, True, False]),
                    "early_reviewer": np.array([True, True, True]),
                },
                numbers={
                    "burst": np.array([40.0, 12, 0]),
                    "burst_days": np.array([2.0, 1, 0]),
                    "burst_star": np.array([5.0, 1, 0]),
                    "burst_star_count": np.array([40.0, 9, 0]),
                    "lockstep": np.array([9.0, 0, 0]),
                    "lockstep_accounts": np.array([30.0, 0, 0]),
                    "single_use_account": np.ones(n),
                    "near_duplicate": np.array([0.0, 14, 0]),
                },
            )
        ],
        n,
    )
    assert reasons(merged, 0) == [
        "account reviewed the same 9 books as 30 other accounts, around the same time and "
        "with the same stars",
        "posted in a burst of 40 five-star reviews in 2 days",
    ]
    # Near-identical is context (the original of a cluster is one of them): the copies
    # get "copied_text" from their own signal.
    assert reasons(merged, 1) == [
        "posted in a burst of 12 reviews in 1 day, 9 of them one-star",
    ]
    # Writing one review is what most honest readers do: context, not a reason.
    assert reasons(merged, 2) == []
    assert reasons(merged, 0, noun=("hotel", "hotels"))[0].startswith(
        "account reviewed the same 9 hotels"
    )


def test_fit_calibrated_on_synthetic_labels() -> None:
    rng = np.random.default_rng(7)
    n = 6000
    x = rng.normal(size=n)
    spam = rng.random(n) < 1 / (1 + np.exp(-(2 * x - 1)))
    table = {"a": x, "b": rng.normal(size=n)}
    groups = np.arange(n)
    model = fit_combiner([table], [spam], [groups], ["a", "b"], folds=3)
    p = model.spam_probability(table, n)
    assert abs(p.mean() - spam.mean()) < 0.02
    for lo, hi in ((0.0, 0.2), (0.4, 0.6), (0.8, 1.0)):
        sel = (p >= lo) & (p < hi)
        assert abs(spam[sel].mean() - p[sel].mean()) < 0.05
    # missing feature: its training average
    without_a = model.spam_probability({"b": table["b"]}, n)
    assert without_a.std() < p.std()


def test_trees_recover_a_step_and_calibrate() -> None:
    rng = np.random.default_rng(8)
    n = 20_000
    x = rng.uniform(0, 10, n)
    spam = rng.random(n) < np.where(x < 5, 0.05, 0.5)
    model = fit_trees({"x": x}, spam, ["x"])
    low = model.raw_logit({"x": np.array([1.0, 2.0])}, 2)
    high = model.raw_logit({"x": np.array([8.0, 9.0])}, 2)
    assert (high > low.max() + 2).all()
    model = calibrate(model, model.raw_logit({"x": x}, n), spam)
    p = model.spam_probability({"x": np.array([1.0, 9.0])}, 2)
    np.testing.assert_allclose(p, [0.05, 0.5], atol=0.04)


def test_calibration_keeps_the_order_of_scores() -> None:
    """Calibration must not turn different scores into ties: a staircase would throw away
    the order the model found among reviews on one step."""
    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.normal(size=n)
    spam = rng.random(n) < 1 / (1 + np.exp(-(1.5 * x - 2)))
    model = fit_trees({"x": x}, spam, ["x"])
    model = calibrate(model, model.raw_logit({"x": x}, n), spam)
    assert (np.diff(model.calibration_x) > 0).all()
    assert (np.diff(model.calibration_y) > 0).all()
    raw = np.linspace(model.calibration_x[0], model.calibration_x[-1], 50)
    p = np.interp(raw, model.calibration_x, model.calibration_y)
    assert (np.diff(p) > 0).all()


def test_exported_trees_match_scikit_learn() -> None:
    """Our evaluation of the exported trees scores exactly as scikit-learn does,
    NaN included (a change in scikit-learn's private node layout must fail here)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(9)
    n = 8000
    x = rng.normal(size=(n, 3))
    x[rng.random(n) < 0.2, 1] = np.nan
    spam = x[:, 0] + np.nan_to_num(x[:, 1], nan=2.0) * x[:, 2] + rng.normal(size=n) > 0
    fitted = HistGradientBoostingClassifier(max_leaf_nodes=4, max_iter=40).fit(x, spam)
    trees, baseline = export_trees(fitted)
    model = Combiner(["a", "b", "c"], trees, baseline, np.zeros(0), np.zeros(0))
    again = Combiner.from_json(json.loads(json.dumps(model.to_json())))
    table = {"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}
    np.testing.assert_allclose(model.raw_logit(table, n), fitted.decision_function(x), atol=1e-9)
    np.testing.assert_allclose(again.raw_logit(table, n), fitted.decision_function(x), atol=1e-6)


def numpy_subtree(trees: Trees, i: int, columns: list[np.ndarray | None]) -> np.ndarray | float:
    """A subtree's output for every row, one numpy pass per split (the evaluation the
    compiled one replaced): a leaf's value; at an absent feature both branches weighted by
    their training counts."""
    j = int(trees.feature[i])
    if j < 0:
        return float(trees.value[i])
    left = numpy_subtree(trees, int(trees.left[i]), columns)
    right = numpy_subtree(trees, int(trees.right[i]), columns)
    x = columns[j]
    if x is None:
        n_left, n_right = trees.count[trees.left[i]], trees.count[trees.right[i]]
        share = float(n_left / max(n_left + n_right, 1.0))
        return share * left + (1.0 - share) * right
    go_left = x <= trees.threshold[i]
    if trees.missing_left[i]:
        go_left |= np.isnan(x)
    return np.where(go_left, left, right)


@pytest.mark.parametrize("leaves", [2, 4, 8])
def test_compiled_trees_sum_as_the_numpy_evaluation_bit_for_bit(leaves: int) -> None:
    """Trees of up to four leaves are lookup tables, larger ones are walked; with NaN and
    with absent features, the sums are those of a numpy pass per split, added tree by tree."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(leaves)
    n = 5000
    x = rng.normal(size=(n, 4))
    x[rng.random(n) < 0.2, 1] = np.nan
    spam = x[:, 0] + np.nan_to_num(x[:, 1], nan=2.0) * x[:, 2] - x[:, 3] + rng.normal(size=n) > 0
    fitted = HistGradientBoostingClassifier(max_leaf_nodes=leaves, max_iter=30).fit(x, spam)
    trees, _ = export_trees(fitted)
    for absent in (set(), {1}, {0, 3}):
        columns = [None if j in absent else x[:, j] for j in range(4)]
        expected = np.zeros(n)
        for root in trees.roots:
            expected += numpy_subtree(trees, int(root), columns)
        assert np.array_equal(trees.total(columns, n), expected)


def test_absent_feature_is_averaged_over_its_branches() -> None:
    """A signal that did not run: each split on its feature takes both branches weighted
    by the training reviews, so the score is the average over that feature."""
    rng = np.random.default_rng(10)
    n = 20_000
    a, b = rng.integers(0, 2, n).astype(float), rng.integers(0, 2, n).astype(float)
    spam = rng.random(n) < np.where(a == 1, 0.6, 0.1) * np.where(b == 1, 1.0, 0.5)
    model = fit_trees({"a": a, "b": b}, spam, ["a", "b"])
    without_b = model.raw_logit({"a": np.array([0.0, 1.0])}, 2)
    with_b = model.raw_logit(
        {"a": np.array([0.0, 0.0, 1.0, 1.0]), "b": np.array([0, 1, 0, 1.0])}, 4
    )
    share_b = b.mean()
    expected = np.array(
        [
            (1 - share_b) * with_b[0] + share_b * with_b[1],
            (1 - share_b) * with_b[2] + share_b * with_b[3],
        ]
    )
    np.testing.assert_allclose(without_b, expected, atol=0.02)
    assert without_b[1] > without_b[0] + 1


def test_corrupt_model_json_is_rejected() -> None:
    data = Combiner.load().to_json()
    with pytest.raises(ValueError, match="kind"):
        Combiner.from_json({**data, "kind": "binned-logistic-gam"})
    nodes = [list(node) for node in data["nodes"]]
    inner = next(i for i, node in enumerate(nodes) if len(node) == 6)
    nodes[inner][2] = len(nodes) + 5
    with pytest.raises(ValueError, match="out of range"):
        Combiner.from_json({**data, "nodes": nodes})


def test_wrong_length_output_rejected() -> None:
    r = corpus(50)
    bad = SignalOutput(name="bad", features={"rating": np.zeros(3)})
    with pytest.raises(ValueError):
        combine(r, [bad])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), camouflage=st.integers(1, 20))
def test_no_account_history_vouches_for_a_review(seed: int, camouflage: int) -> None:
    """An account's history (age, review count, consensus-agreeing camouflage) can lower
    a review's trust, never raise it above the same review by a single-review account."""
    rng = np.random.default_rng(seed)
    honest = corpus(600, seed)
    target_product = int(honest.product[0])
    newcomer = int(honest.reviewer.max()) + 1
    attack_time = int(honest.time.max()) + DAY

    def with_history(history: int) -> Reviews:
        # The account's camouflage: agreeing reviews of other products, months earlier.
        others = rng.choice(np.setdiff1d(np.unique(honest.product), [target_product]), history)
        times = attack_time - rng.integers(30, 400, history) * DAY
        product = np.r_[honest.product, others, target_product]
        return Reviews(
            review_id=[str(i) for i in range(len(product))],
            product=product.astype(np.int64),
            reviewer=np.r_[honest.reviewer, np.full(history + 1, newcomer)].astype(np.int64),
            rating=np.r_[honest.rating, np.full(history, 4), 1].astype(np.int64),
            time=np.r_[honest.time, times, attack_time].astype(np.int64),
            verified=np.r_[honest.verified, np.ones(history + 1, bool)],
            helpful=np.zeros(len(product), np.int64),
        )

    alone = with_history(0)
    aged = with_history(camouflage)
    trust_alone, _ = combine(alone, run_signals(alone))
    trust_aged, _ = combine(aged, run_signals(aged))
    assert trust_aged[-1] <= trust_alone[-1] + 1e-9
    assert (trust_aged <= 1).all()
