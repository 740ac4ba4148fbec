"""The trust speed benchmark times every stage a batch run computes, and says which is slowest."""

from pathlib import Path

from bench.generate import generate
from bench.trust_speed import TEMPLATE_STAGE, TEXT, TEXT_STAGE, load, markdown, measure, signals
from candor.trust.score import ALL_SIGNALS


def test_the_stages_are_all_signals_in_order() -> None:
    assert list(signals(None)) == list(ALL_SIGNALS)


def test_a_small_run_times_every_stage_and_reports_the_slowest(tmp_path: Path) -> None:
    corpus = tmp_path / "reviews.parquet"
    generate(corpus, reviews=2000, products=200, reviewers=400, seed=4, verbose=False)
    reviews, templates = load(corpus)
    stages, baseline = measure(reviews, 100, templates, 100)
    whole = [name for name in ALL_SIGNALS if name != TEXT]
    assert [s.name for s in stages] == [*whole, "combine", TEXT_STAGE, TEMPLATE_STAGE]
    assert [s.reviews for s in stages] == [2000] * (len(whole) + 1) + [100, 100]
    assert all(s.cpu >= 0 and s.peak_mb > 0 for s in stages)
    text = markdown(stages, baseline, 2000, 200.0, 1.0, 500.0, "command")
    for s in stages:
        assert f"| {s.name} | {s.reviews:,} |" in text
    slowest = min((s for s in stages if s.whole), key=lambda s: s.per_core)
    cpu = sum(s.cpu for s in stages if s.whole)
    overall = 2000 / max(cpu, 1e-9)
    verdict = "met" if overall >= 20_000 else "**not met**"
    assert (
        f"{overall:,.0f} reviews/s per core overall (target: at least 20,000 reviews/s per"
        f" core for the whole analysis but the text classifier: {verdict}); slowest stage"
        f" {slowest.name} at {slowest.per_core:,.0f}/s."
    ) in text
