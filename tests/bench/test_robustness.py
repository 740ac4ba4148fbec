"""The robustness benchmark's metrics, on a hand-made case and on a small world."""

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench import docs
from bench.robustness import (
    NOT_BUILT,
    ProductResult,
    added_error,
    build_report,
    clean_extra,
    evaluate,
    mae,
    markdown,
    removed_share,
    trust_is_placeholder,
    trust_scores,
)
from bench.simulate import Review, World, simulate


def result(kind: str, truth: float, simple: float, weights: float, genuine=None) -> ProductResult:
    shown_genuine = None
    if genuine is not None:
        shown_genuine = {"simple": genuine[0], "weights": genuine[1], "trust": genuine[1]}
    return ProductResult(
        0,
        kind,
        truth,
        10,
        0,
        {"simple": simple, "weights": weights, "trust": weights},
        shown_genuine,
    )


HAND_MADE = [
    # Attacked: errors with fakes (simple 0.6, weights 0.3) and without (0.1, 0.05).
    result("promoted_burst", 4.0, 4.6, 4.3, genuine=(4.1, 4.05)),
    # Attacked: errors with fakes (1.0, 0.4) and without (0.2, 0.1).
    result("sabotaged_burst", 3.0, 2.0, 2.6, genuine=(3.2, 3.1)),
    # Clean: errors (0.1, 0.05) and (0.2, 0.1).
    result("clean", 4.0, 3.9, 4.05),
    result("clean", 3.5, 3.7, 3.4),
]


def test_mae_over_products() -> None:
    assert mae(HAND_MADE[2:], "simple") == pytest.approx(0.15)
    assert mae(HAND_MADE[2:], "weights") == pytest.approx(0.075)
    assert mae(HAND_MADE[:2], "simple", genuine=True) == pytest.approx(0.15)


def test_campaign_error_added_and_removed_share() -> None:
    # Simple average: 0.8 with fakes, 0.15 without: the campaigns add 0.65 stars.
    assert added_error(HAND_MADE, "simple") == pytest.approx(0.65)
    # Weights: 0.35 with, 0.075 without: 0.275 added, so 1 - 0.275 / 0.65 removed.
    assert added_error(HAND_MADE, "weights") == pytest.approx(0.275)
    assert removed_share(HAND_MADE, "weights") == pytest.approx(1 - 0.275 / 0.65)
    assert removed_share(HAND_MADE, "simple") == pytest.approx(0.0)


def test_extra_error_on_clean_products() -> None:
    assert clean_extra(HAND_MADE, "weights") == pytest.approx(0.075 - 0.15)
    assert clean_extra(HAND_MADE, "simple") == 0.0


def test_removed_share_undefined_without_campaign_error() -> None:
    untouched = [result("promoted_burst", 4.0, 4.1, 4.0, genuine=(4.1, 4.0))]
    assert math.isnan(removed_share(untouched, "weights"))


@pytest.fixture(scope="module")
def small_world() -> World:
    return simulate(seed=3, n_products=80)


def test_report_without_trust_says_not_built(small_world: World) -> None:
    results = evaluate(small_world, trust=lambda reviews: {r.review_id: 1.0 for r in reviews})
    attacked = [r for r in results if r.shown_genuine is not None]
    assert attacked and all(r.kind != "clean" for r in attacked)
    report = build_report(small_world, results, 1.0, trust_built=False)
    text = markdown(report, "cmd")
    assert NOT_BUILT in text and "| clean |" in text


@pytest.fixture(scope="module")
def with_trust(small_world: World) -> tuple[dict[int, float], list[ProductResult]]:
    """The benchmark's own trust (the package's ``analyse``), and what it records first:
    the scores of the whole simulated world."""
    seen: list[dict[int, float]] = []

    def recording(reviews: Sequence[Review]) -> dict[int, float]:
        seen.append(trust_scores(reviews))
        return seen[-1]

    results = evaluate(small_world, trust=recording)
    return seen[0], results


def test_trust_analysis_is_wired_in(small_world: World, with_trust) -> None:
    assert not trust_is_placeholder(trust_scores)
    scores, _ = with_trust
    assert set(scores) == {r.review_id for r in small_world.reviews}
    assert all(0.0 <= t <= 1.0 for t in scores.values())
    fake = [t for i, t in scores.items() if small_world.truth[i].is_fake]
    honest = [t for i, t in scores.items() if not small_world.truth[i].is_fake]
    # Campaign reviews are trusted less than honest ones, on average by a wide margin.
    assert sum(fake) / len(fake) < 0.5 * sum(honest) / len(honest)


def test_trust_removes_campaign_error_without_harming_clean_products(
    small_world: World, with_trust
) -> None:
    _, results = with_trust
    assert removed_share(results, "trust") > removed_share(results, "weights")
    assert clean_extra(results, "trust") <= clean_extra(results, "weights") + 0.05
    assert NOT_BUILT not in markdown(build_report(small_world, results, 1.0, True), "cmd")


def test_a_real_trust_function_fills_the_column(small_world: World) -> None:
    def oracle(reviews: Sequence[Review]) -> dict[int, float]:
        return {
            r.review_id: 0.0 if small_world.truth[r.review_id].is_fake else 1.0 for r in reviews
        }

    results = evaluate(small_world, trust=oracle)
    # With the fakes at trust 0 the attacked products show about what they would without
    # them (not exactly: the catalogue prior still counts the fakes' stars).
    for r in results:
        if r.shown_genuine is not None:
            assert r.shown["trust"] == pytest.approx(r.shown_genuine["trust"], abs=0.1)
    assert removed_share(results, "trust") > 0.9
    report = build_report(small_world, results, 1.0, trust_built=True)
    assert NOT_BUILT not in markdown(report, "cmd")


def test_docs_section_is_replaced_between_markers(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    docs.write_section("robustness", "first run", path)
    docs.write_section("other", "someone else's", path)
    docs.write_section("robustness", "second run", path)
    text = path.read_text()
    assert text.startswith("# Benchmarks") and "nproc" in text
    assert "second run" in text and "first run" not in text
    assert text.count("<!-- robustness:start -->") == 1 and "someone else's" in text
