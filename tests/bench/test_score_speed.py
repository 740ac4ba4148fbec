"""The batch speed benchmark: pairs of runs, and the numbers its docs section is made of."""

from pathlib import Path

from bench.generate import generate
from bench.score_baseline import paired_runs, quartiles
from bench.score_speed import ratio_run


def test_pairs_run_each_step_once_per_round_switching_which_goes_first() -> None:
    calls: list[str] = []

    def step(name: str) -> object:
        def run() -> str:
            calls.append(name)
            return f"{name} {len(calls)}"

        return run

    measured = paired_runs({"baseline": step("baseline"), "weights": step("weights")}, 3)
    assert calls == ["baseline", "weights", "weights", "baseline", "baseline", "weights"]
    for name in ("baseline", "weights"):
        walls, cpus, _ = measured[name]
        assert len(walls) == len(cpus) == 3
        assert all(seconds >= 0 for seconds in walls + cpus)
    assert measured["baseline"][2] == "baseline 5"
    assert measured["weights"][2] == "weights 6"


def test_quartiles_of_the_pair_ratios() -> None:
    assert quartiles([2.0, 5.0, 3.0, 4.0, 1.0]) == (2.0, 3.0, 4.0)
    assert quartiles([2.5]) == (2.5, 2.5, 2.5)


def test_the_docs_numbers_come_from_a_real_run(tmp_path: Path) -> None:
    corpus = tmp_path / "reviews.parquet"
    generate(corpus, reviews=3000, products=200, reviewers=600, row_group=1000, verbose=False)
    numbers = ratio_run(corpus)
    low, median, high = numbers["paired_cpu"]
    assert 0 < low <= median <= high
    low, median, high = numbers["paired_wall"]
    assert 0 < low <= median <= high
    # Printed to the hundredth of a second: a run this small may show 0.00.
    for key in ("baseline_wall", "baseline_cpu", "weights_wall", "weights_cpu", "score_cpu"):
        assert numbers[key] >= 0
