"""The red team (`bench.adversary`): the design, the injector on each axis, the metrics on
a hand-made case, and one small cell on real reviews, checked against `candor score`."""

import itertools
import math
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench import adversary, real_data
from bench.adversary import (
    ATTACK,
    AXES,
    CAMOUFLAGE,
    DAY,
    EDITION,
    GENUINE,
    Attack,
    Injected,
    Scored,
    cell_metrics,
    design,
    inject,
    new_edition,
)
from bench.faithfulness import score, write_corpus
from bench.real_data import Corpus
from bench.text import honest_text

BASE = Attack("2w", "fresh", "0", "template", "single", "5", "0", "75")
GENUINE_COUNTS = [40, 30, 24, 20, 16, 12, 10, 9, 8, 8, 6, 5, 4, 3, 3] + [2] * 40 + [1] * 5


def tiny_corpus() -> Corpus:
    """60 products with 1 to 40 honest reviews each over two years, with texts."""
    rng = np.random.default_rng(0)
    product = np.repeat(np.arange(len(GENUINE_COUNTS)), GENUINE_COUNTS)
    n = len(product)
    stars = np.clip(np.round(rng.normal(3.2 + product % 4 * 0.4, 1.0, n)), 1, 5).astype(np.int64)
    return Corpus(
        "tiny",
        product.astype(np.int64),
        np.arange(n, dtype=np.int64),
        stars,
        np.floor(1.6e9 + rng.uniform(0, 730, n) * DAY),
        rng.random(n) < 0.5,
        np.zeros(n, np.int64),
        np.ones(n, bool),
        [honest_text(rng, int(s)) for s in stars],
    )


CORPUS = tiny_corpus()


def attacked(**changes: str) -> Injected:
    return inject(CORPUS, replace(BASE, **changes), seed=3)


def fakes_of(found: Injected) -> np.ndarray:
    return np.flatnonzero(found.role == ATTACK)


# ------------------------------------------------------------------------------ design


def test_every_level_equally_often_and_every_pair_of_levels_together() -> None:
    cells = design()
    assert 40 <= len(cells) <= 80
    for axis, levels in AXES.items():
        counts = Counter(getattr(cell, axis) for cell in cells)
        assert set(counts) == set(levels)
        assert max(counts.values()) - min(counts.values()) <= 1
    for (a, levels_a), (b, levels_b) in itertools.combinations(AXES.items(), 2):
        together = {(getattr(cell, a), getattr(cell, b)) for cell in cells}
        assert together == set(itertools.product(levels_a, levels_b)), (a, b)


# ------------------------------------------------------------------------------ injector


def test_budget_fakes_per_target_and_targets_by_direction() -> None:
    genuine = np.bincount(CORPUS.product)
    means = adversary.plain_means(CORPUS)
    eligible = np.flatnonzero(genuine >= adversary.MIN_GENUINE)
    for budget, share in (("30", 0.3), ("75", 0.75), ("150", 1.5)):
        for stars in ("5", "1"):
            found = attacked(budget=budget, stars=stars)
            assert len(found.targets) == adversary.TARGETS_PER_CELL
            assert set(found.targets.tolist()) <= set(eligible.tolist())
            counts = np.bincount(found.corpus.product[fakes_of(found)], minlength=len(genuine))
            for target in found.targets.tolist():
                assert counts[target] == max(5, round(share * genuine[target]))
            assert counts.sum() == counts[found.targets].sum()  # fakes on targets only
            ranked = eligible[np.argsort(means[eligible], kind="stable")]
            half = set((ranked if stars == "5" else ranked[::-1])[:6].tolist())
            assert set(found.targets.tolist()) <= half


@pytest.mark.parametrize(("timing", "days"), [("2d", 2), ("2w", 14), ("2m", 61)])
def test_each_targets_fakes_fall_within_the_timing_span(timing: str, days: float) -> None:
    found = attacked(timing=timing, budget="150")
    newest = CORPUS.seconds.max()
    for j, target in enumerate(found.targets.tolist()):
        times = found.corpus.seconds[fakes_of(found)][
            found.corpus.product[fakes_of(found)] == target
        ]
        start = newest + DAY + j * adversary.STAGGER_DAYS * DAY
        assert times.min() >= start - 1 and times.max() <= start + days * DAY
        assert times.max() - times.min() > 0.5 * days * DAY  # spread over the span
        assert (times == np.floor(times)).all()  # whole seconds, as `candor score` reads them


def test_the_drip_spreads_over_a_year_with_no_30_day_window_holding_5_fakes() -> None:
    for budget in ("30", "150"):
        found = attacked(timing="12m", budget=budget)
        rows = fakes_of(found)
        for j, target in enumerate(found.targets.tolist()):
            times = np.sort(found.corpus.seconds[rows][found.corpus.product[rows] == target])
            n = len(times)
            assert (times[4:] - times[:-4] > 30 * DAY).all()
            start = CORPUS.seconds.max() + DAY + j * adversary.STAGGER_DAYS * DAY
            # 12 months, or as long as 4 fakes a month need (more than 48 fakes).
            span = max(365, adversary.DRIP_MIN_GAP_DAYS * n) * DAY
            assert times.min() >= start - 1 and times.max() <= start + span
            assert times[-1] - times[0] >= (n - 2) / n * span
    # 100 fakes cannot keep to 4 a month within a year: the drip takes longer instead.
    times = adversary.campaign_times(100, "12m", 0.0, np.random.default_rng(1))
    assert (times[4:] - times[:-4] > 30 * DAY).all()


@pytest.mark.parametrize(("accounts", "count"), [("fresh", 0), ("aged5", 5), ("aged20", 20)])
@pytest.mark.parametrize("structure", ["single", "pool"])
def test_camouflage_reviews_per_account_before_its_attack(
    accounts: str, count: int, structure: str
) -> None:
    # 54 of the 60 products are not targets: camouflage goes to the 27 most reviewed (half
    # of them: the others are left to measure spill on).
    found = attacked(accounts=accounts, structure=structure)
    corpus, role = found.corpus, found.role
    others = len(GENUINE_COUNTS) - len(found.targets)
    expected = min(count, others // 2)
    assert expected == count
    means = adversary.plain_means(CORPUS)
    camouflage = np.flatnonzero(role == CAMOUFLAGE)
    assert not np.isin(corpus.product[camouflage], found.targets).any()
    assert len(np.unique(corpus.product[camouflage])) <= others // 2
    assert (~found.touched).sum() >= others - others // 2
    assert np.all(
        np.abs(corpus.stars[camouflage] - np.round(means[corpus.product[camouflage]])) <= 1
    )
    assert corpus.text is not None
    borrowed = set(CORPUS.text or [])
    # Edited, not copied (a short text edited can become another one: "Good." -> "Fine.").
    assert sum(corpus.text[i] in borrowed for i in camouflage) <= 0.05 * len(camouflage)
    for account in np.unique(corpus.reviewer[fakes_of(found)]).tolist():
        mine = corpus.reviewer == account
        own = np.flatnonzero(mine & (role == CAMOUFLAGE))
        assert len(own) == expected
        assert len(set(corpus.product[own].tolist())) == len(own)  # distinct products
        first = corpus.seconds[mine & (role == ATTACK)].min()
        assert (corpus.seconds[own] < first).all()
        assert (corpus.seconds[own] >= first - adversary.CAMOUFLAGE_DAYS * DAY).all()
    assert not np.isin(corpus.reviewer[role != GENUINE], CORPUS.reviewer).any()  # new accounts


def test_camouflage_borrows_only_texts_already_written() -> None:
    def words(text: str) -> set[str]:
        return set(text.lower().split())

    def overlap(a: str, b: str) -> float:
        return len(words(a) & words(b)) / len(words(a) | words(b))

    camouflage = adversary.Camouflage(
        CORPUS, np.array([0]), replace(BASE, accounts="aged5"), np.random.default_rng(2)
    )
    assert CORPUS.text is not None
    for product in camouflage.popular.tolist():
        rows = camouflage.rows[product]
        order = rows[np.argsort(CORPUS.seconds[rows])]
        first, second = CORPUS.seconds[order[0]], CORPUS.seconds[order[1]]
        only_first = camouflage.borrowed(product, (first + second) / 2, 5)
        texts = [CORPUS.text[row] for row in order.tolist()]
        assert max(texts, key=lambda text: overlap(only_first, text)) == texts[0]
        assert overlap(only_first, texts[0]) >= 0.5
        before_all = camouflage.borrowed(product, first, 5)
        assert max(overlap(before_all, text) for text in texts) < 0.5


def test_a_light_edit_always_changes_the_text() -> None:
    rng = np.random.default_rng(5)
    for text in [*(CORPUS.text or [])[:200], "Good.", "Title\nNo word to swap here."]:
        edited = adversary.light_edit(text, rng)
        assert edited != text
        assert len(set(edited.split()) & set(text.split())) >= 0.5 * len(set(text.split())) - 1


def test_pool_accounts_hit_overlapping_subsets_of_targets() -> None:
    found = attacked(structure="pool", budget="150")
    rows = fakes_of(found)
    reviewer, product = found.corpus.reviewer[rows], found.corpus.product[rows]
    per_account = Counter(reviewer.tolist())
    assert max(per_account.values()) <= min(10, len(found.targets))
    assert np.mean(list(per_account.values())) >= 2.5  # most accounts hit several targets
    pairs = Counter(zip(reviewer.tolist(), product.tolist(), strict=True))
    assert max(pairs.values()) == 1  # one review per account and product
    subsets = {frozenset(product[reviewer == a].tolist()) for a in per_account}
    assert len(subsets) > 3  # different subsets
    single = attacked(structure="single")
    assert len(np.unique(single.corpus.reviewer[fakes_of(single)])) == len(fakes_of(single))


@pytest.mark.parametrize(("verified", "share"), [("0", 0.0), ("50", 0.5), ("100", 1.0)])
def test_verified_share_of_the_fakes(verified: str, share: float) -> None:
    found = attacked(verified=verified)
    flags = found.corpus.verified[fakes_of(found)]
    assert flags.sum() == round(share * len(flags))


def test_helpful_votes_and_stars_of_the_fakes() -> None:
    rows = fakes_of(found := attacked(helpful="50-300"))
    assert found.corpus.helpful[rows].min() >= 50 and found.corpus.helpful[rows].max() <= 300
    assert (attacked().corpus.helpful[fakes_of(attacked())] == 0).all()
    for stars, allowed in (("5", {5}), ("1", {1}), ("4-5", {4, 5}), ("1-2", {1, 2})):
        found = attacked(stars=stars, budget="150")
        assert set(found.corpus.stars[fakes_of(found)].tolist()) == allowed


def test_text_levels() -> None:
    genuine_texts = set(CORPUS.text or [])

    def texts(level: str) -> list[str]:
        found = attacked(text=level, budget="150")
        assert found.corpus.text is not None
        return [found.corpus.text[i] for i in fakes_of(found)]

    assert set(texts("none")) == {""}
    copied = texts("copied")
    assert all(text in genuine_texts for text in copied)
    targets = attacked(text="copied", budget="150").targets
    others = ~np.isin(CORPUS.product, targets) & (CORPUS.stars == 5)
    available = {text for text, keep in zip(CORPUS.text or [], others, strict=True) if keep}
    assert set(copied) == available  # each text once before any is used again
    for level in ("template", "paraphrased", "unique"):
        written = texts(level)
        assert all(written)
        # Written for the campaign (a unique text can be a stock phrase such as "Good.").
        assert np.mean([text not in genuine_texts for text in written]) > 0.9, level
        assert len(set(written)) > 0.5 * len(written), level

    # Templates are near duplicates; paraphrases and unique texts vary more.
    def nearest_overlap(level: str) -> float:
        """Mean over fakes of the word overlap (Jaccard) with the most similar other fake."""
        words = [set(text.lower().split()) for text in texts(level)]
        return float(
            np.mean(
                [
                    max(len(a & b) / len(a | b) for j, b in enumerate(words) if j != i)
                    for i, a in enumerate(words)
                ]
            )
        )

    assert nearest_overlap("template") > nearest_overlap("paraphrased") > nearest_overlap("unique")


def test_a_new_edition_moves_the_star_mix_to_its_truth() -> None:
    found = new_edition(CORPUS, seed=4)
    assert found.truth is not None
    rows = found.role == EDITION
    assert found.corpus.honest[rows].all()
    genuine = np.bincount(CORPUS.product)
    means = adversary.plain_means(CORPUS)
    for target, truth in zip(found.targets.tolist(), found.truth.tolist(), strict=True):
        mine = rows & (found.corpus.product == target)
        assert mine.sum() == max(10, round(0.5 * genuine[target]))
        shift = -1.2 if means[target] >= 3.5 else 1.0
        assert truth == pytest.approx(np.clip(means[target] + shift, 1.2, 4.8), abs=1e-6)
    assert len(np.unique(found.corpus.reviewer[rows])) == rows.sum()  # single-review accounts


# ------------------------------------------------------------------------------ metrics


def scored(plain: list[float], candor: list[float], trust: list[float]) -> Scored:
    return Scored(np.asarray(plain), np.asarray(candor), np.asarray(trust), 0.0)


# Products 0 and 1 attacked; 2 untouched; 3 has a camouflage review.
HAND_CORPUS = Corpus(
    "hand",
    np.array([0, 0, 1, 2, 3, 0, 1, 3]),
    np.arange(8),
    np.array([3, 3, 5, 4, 4, 5, 1, 4]),
    np.arange(8.0),
    np.zeros(8, bool),
    np.zeros(8, np.int64),
    np.array([True] * 5 + [False] * 3),
    None,
)
HAND = Injected(HAND_CORPUS, np.array([0, 0, 0, 0, 0, 1, 1, 2]), np.array([0, 1]))
CLEAN = scored([3.0, 5.0, 4.0, 4.0], [3.2, 4.6, 4.1, 4.2], [1.0] * 5)


def test_a_method_that_keeps_the_clean_rating_removes_all_of_the_shift() -> None:
    after = scored([3.5, 3.0, 4.0, 4.0], [3.2, 4.6, 4.1, 4.2], [1, 1, 1, 1, 1, 0.2, 0.9, 1])
    found = cell_metrics(CLEAN, after, HAND)
    assert found["plain_shift"] == pytest.approx((0.5 + 2.0) / 2)
    assert found["candor_shift"] == 0 and found["removed"] == 1.0
    assert found["recall"] == 0.5  # one fake of two below 0.5
    assert found["spill"] == 0 and not found["moved_more"]
    assert found["honest_distrusted"] == 0


def test_spill_counts_untouched_products_and_a_larger_move_is_flagged() -> None:
    after = scored([3.5, 3.0, 4.0, 4.0], [3.9, 2.0, 4.13, 3.0], [0.4, 1, 1, 1, 1, 1, 1, 1])
    found = cell_metrics(CLEAN, after, HAND)
    assert found["candor_shift"] == pytest.approx((0.7 + 2.6) / 2)
    assert found["removed"] == pytest.approx(1 - 1.65 / 1.25)
    assert found["moved_more"]
    assert found["spill"] == pytest.approx(0.03)  # product 2 only: 3 has a camouflage review
    assert found["honest_distrusted"] == pytest.approx(1 / 5)
    assert found["recall"] == 0


def test_the_summary_takes_the_median_and_the_worst_cell() -> None:
    def cell(removed: float, spill: float, moved_more: bool) -> adversary.Cell:
        return adversary.Cell(0, "s", 1, BASE, 2, 10, 0, 1.0, 1 - removed, removed, 0.5,
                              spill, spill, 0.01, moved_more, 0, 0.0)  # fmt: skip

    cells = [cell(0.9, 0.001, False), cell(0.2, 0.004, False), cell(-0.1, 0.002, True)]
    summary = adversary.summarise(cells, [], 0.02)
    assert summary.median_removed == pytest.approx(0.2)
    assert summary.worst_removed == pytest.approx(-0.1)
    assert summary.moved_more == 1 and summary.largest_spill == 0.004
    assert math.isnan(summary.edition_plain_error) and math.isnan(summary.edition_removed)


def test_an_honest_change_is_scored_as_the_campaign_that_would_copy_it() -> None:
    # Product 0 gets a new edition whose truth is 2.0; product 1 is untouched.
    corpus = Corpus(
        "edition", np.array([0, 0, 0, 1]), np.arange(4), np.array([4, 4, 2, 4]),
        np.arange(4.0), np.zeros(4, bool), np.zeros(4, np.int64), np.ones(4, bool), None,
    )  # fmt: skip
    injected = Injected(corpus, np.array([0, 0, EDITION, 0]), np.array([0]), np.array([2.0]))
    clean = scored([4.0, 4.0], [4.1, 4.0], [1.0] * 3)
    follows_further = scored([10 / 3, 4.0], [3.1, 4.0], [1.0] * 4)
    row = adversary.edition_row("s", 1, clean, follows_further, injected)
    assert row.candor_error < row.plain_error  # followed better than the plain average ...
    assert row.removed == pytest.approx(1 - 1.0 / (2 / 3)) and row.removed < 0  # ... moved more
    summary = adversary.summarise([], [row], 0.0)
    assert summary.edition_removed == row.removed


def test_the_recency_ablation_counts_every_review_the_same_whatever_its_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 20 old five-star reviews, then 10 one-star reviews two years later: a change.
    stars = np.array([5] * 20 + [1] * 10)
    seconds = np.array([0.0] * 20 + [2 * 365 * 86_400.0] * 10)

    def ratings(times: np.ndarray) -> float:
        zeros = np.zeros(30, np.int64)
        corpus = Corpus("change", zeros, np.arange(30), stars, times, zeros.astype(bool),
                        zeros, np.ones(30, bool), None)  # fmt: skip
        return float(adversary.candor_ratings(corpus, np.ones(30))[0])

    shipped = ratings(seconds)
    monkeypatch.setattr(adversary, "_VARIANT", adversary.ABLATIONS["recency"])
    assert ratings(seconds) == pytest.approx(ratings(np.zeros(30)))
    assert shipped < ratings(seconds)  # as shipped, the newer one-star reviews count more


# ------------------------------------------------------------------------------ end to end


@pytest.mark.skipif(not real_data.available(), reason="../shared/data is not beside the repository")
def test_one_cell_on_real_reviews_agrees_with_candor_score() -> None:
    attack = Attack("2d", "fresh", "50", "paraphrased", "pool", "1", "50-300", "30")
    corpus = adversary.sample("amazon_fashion", 11)
    clean = adversary.score(corpus)
    found = inject(corpus, attack, [11, 0])
    ours = adversary.score(found.corpus)
    numbers = cell_metrics(clean, ours, found)
    assert numbers["plain_shift"] > 0 and 0 <= numbers["recall"] <= 1
    assert math.isfinite(numbers["spill"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "attacked.csv"
        write_corpus(found.corpus, path)
        theirs = score(path, Path(folder) / "out", None)
    expected = [theirs[f"p{p}"] for p in range(found.corpus.n_products)]
    assert ours.candor == pytest.approx(expected, abs=1e-9)
