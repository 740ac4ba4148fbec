"""Speed of trust scoring (issue 4): every stage of `candor.trust.score.analyse` on 1 million reviews.

    .venv/bin/python -m bench.trust_speed [--reviews 1000000] [--text-sample 100000]
        [--template-sample 100000] [--no-docs] [--text-only]

1. Generates the corpus with `bench.generate` unless it exists (``--reviews`` reviews,
   a tenth as many products, a fifth as many reviewers) and reads it into the trust
   package's `Reviews` table, with fresh texts from `prose` (below) of the same
   lognormal lengths (median about 200 characters, capped at 5,000).
2. Runs each signal of `candor.trust.score.ALL_SIGNALS` on its own over the whole table
   (the list is read from there, so a new stage is measured as soon as `analyse` runs it),
   then the combiner on their outputs, timing each stage by wall clock and by CPU time of
   this process (``time.process_time``), with the peak resident memory of the process
   while the stage ran (sampled every 20 ms from /proc).
3. The text classifier (``text``) is timed on a random sample of ``--text-sample``
   reviews (it is the slow stage, and its rate does not depend on the corpus size: texts
   are scored in independent batches). ``--text-only`` times that stage alone and writes
   nothing, to compare two versions of the classifier back to back on one machine.
4. Baseline measured in the same run: a numpy group-by mean (``np.bincount`` of the
   ratings per product divided by the counts) over the same arrays, best of 5. Each
   stage's time is reported as a multiple of that pass.

Texts. `bench.generate` glues sentences from a pool of 20,000 template sentences, so in a
million reviews every sentence recurs about 130 times and sentences of one template share
most of their character 5-grams: far more shared text than real reviews have, which makes
the near-duplicate stage spend its time verifying look-alike pairs that a real corpus
would not produce. `prose` writes each text word by word instead: words drawn Zipf-like
(exponent 1.1, as in English) from a vocabulary of about 20,000 made-up words of 2-4 syllables,
sentences of 6-25 words with capitals and full stops, commas now and then. The same
run also times the copied-text stage (``copies``, built on the near-duplicate
clustering) on a sample of `bench.generate`'s own texts (``--template-sample``), to show
that worst case.

The rate per core is reviews / CPU-seconds: every stage runs in one thread (numpy and
scipy here do not spread these operations over cores), so on the 2-core machine a batch
can run two shards side by side. The target (issue 14): the whole analysis but the
text classifier at least ``TARGET_PER_CORE`` (20,000) reviews/s per core, all its
stages' CPU time together.

Writes its section of docs/benchmarks.md (``trust-speed``) unless ``--no-docs``.
"""

import argparse
import itertools
import os
import resource
import shlex
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench import docs
from bench.generate import generate
from candor.trust import score
from candor.trust.bursts import EXPLAINED
from candor.trust.combine import combine, feature_table
from candor.trust.copies import copied_text
from candor.trust.dense import dense_blocks
from candor.trust.table import Reviews, SignalOutput
from candor.trust.text import TextModel

DATA = Path("/tmp/candor-bench")
TARGET_PER_CORE = 20_000
TEXT = "text"  # the text classifier: timed on a sample, and not held to the target
TEXT_STAGE = f"{TEXT} (sample)"
TEMPLATE_STAGE = "copies, template texts (sample)"
T = TypeVar("T")
PAGE = os.sysconf("SC_PAGE_SIZE")


def corpus_path(reviews: int) -> Path:
    path = DATA / f"trust-{reviews}.parquet"
    if not path.exists():
        generate(path, reviews, max(1, reviews // 10), max(1, reviews // 5), seed=4)
    return path


_SYLLABLE_TEXT = (
    "a e i o u y ba be bi bo bu da de di do du fa fe fi fo ga ge go ha he hi ho ka ke ki ko "
    "la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su "
    "ta te ti to tu va ve vi vo wa we wi ya yo za ze an en in on ar er or is as us al el il "
    "st tr pl gr th sh ch nd nt rs ck ng"
)
SYLLABLES = tuple(_SYLLABLE_TEXT.split())


def vocabulary(rng: np.random.Generator, size: int = 30_000) -> np.ndarray:
    """About ``size`` made-up words (bytes; repeats dropped), shortest first, so the Zipf
    head is short words."""
    syllables = np.array([s.encode() for s in SYLLABLES], dtype=object)
    counts = rng.choice([2, 3, 4], size, p=[0.5, 0.35, 0.15])
    words = {b"".join(syllables[rng.integers(0, len(syllables), int(k))].tolist()) for k in counts}
    return np.array(sorted(words, key=lambda w: (len(w), w)), dtype=object)


def prose(rng: np.random.Generator, lengths: np.ndarray, words: np.ndarray) -> list[str]:
    """One text per target length (characters): Zipf-distributed words in sentences."""
    weights = np.arange(1, len(words) + 1, dtype=np.float64) ** -1.1
    cdf = np.cumsum(weights) / weights.sum()
    mean_word = float(np.dot(weights / weights.sum(), [len(w) + 1 for w in words]))
    count = np.maximum(1, np.rint(lengths / mean_word)).astype(np.int64)
    drawn = words[np.minimum(np.searchsorted(cdf, rng.random(int(count.sum()))), len(words) - 1)]
    # sentence ends: after each word with probability 1/15 and after a text's last word
    ends = rng.random(len(drawn)) < 1 / 15
    last = np.cumsum(count) - 1
    ends[last] = True
    commas = ~ends & (rng.random(len(drawn)) < 0.05)
    starts = np.concatenate([[True], ends[:-1]])
    tokens = [
        (w.capitalize() if s else w) + (b"." if e else b"," if c else b"")
        for w, s, e, c in zip(
            drawn.tolist(), starts.tolist(), ends.tolist(), commas.tolist(), strict=True
        )
    ]
    bounds = np.concatenate([[0], np.cumsum(count)]).tolist()
    return [b" ".join(tokens[a:b]).decode()[:5000] for a, b in itertools.pairwise(bounds)]


def load(path: Path, seed: int = 0) -> tuple[Reviews, list[str]]:
    """The Parquet corpus as a `Reviews` table (ids coded densely) with fresh `prose`
    texts of the file's text lengths; and the file's own texts."""
    table = pq.read_table(path)
    generated = table["text"].to_pylist()
    rng = np.random.default_rng(seed)
    lengths = np.fromiter((len(t) for t in generated), dtype=np.int64, count=len(generated))
    texts = prose(rng, lengths, vocabulary(rng))
    seconds = pc.divide(table["created_at"].cast("int64"), 1_000_000).to_numpy()
    return Reviews(
        review_id=table["review_id"].to_numpy().astype(str).tolist(),
        product=np.unique(table["product_id"].to_numpy(), return_inverse=True)[1].astype(np.int64),
        reviewer=np.unique(table["reviewer_id"].to_numpy(), return_inverse=True)[1].astype(
            np.int64
        ),
        rating=table["rating"].to_numpy().astype(np.int64),
        time=np.asarray(seconds, np.int64),
        verified=table["verified_purchase"].to_numpy(zero_copy_only=False).astype(bool),
        helpful=table["helpful_votes"].to_numpy().astype(np.int64),
        text=texts,
    ), generated


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 2**20


class PeakMemory:
    """Peak resident memory (MB) of this process while the ``with`` block runs."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


@dataclass
class Stage:
    name: str
    reviews: int
    wall: float
    cpu: float
    peak_mb: float
    whole: bool = True  # ran on the whole corpus (not a sample): held to the target

    @property
    def per_core(self) -> float:
        return self.reviews / max(self.cpu, 1e-9)


def timed(name: str, reviews: int, run: Callable[[], T], whole: bool = True) -> tuple[Stage, T]:
    with PeakMemory() as memory:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Stage(name, reviews, wall, cpu, memory.peak, whole), result


def baseline_seconds(reviews: Reviews, repeat: int = 5) -> float:
    """Best CPU time of a numpy group-by mean of the ratings per product."""
    best = np.inf
    rating = reviews.rating.astype(np.float64)
    for _ in range(repeat):
        start = time.process_time()
        counts = np.bincount(reviews.product)
        means = np.bincount(reviews.product, weights=rating) / np.maximum(counts, 1)
        best = min(best, time.process_time() - start)
        assert len(means) == reviews.n_products
    return best


def subset(reviews: Reviews, rows: np.ndarray, texts: list[str] | None = None) -> Reviews:
    assert reviews.text is not None
    picked = rows.tolist()
    return Reviews(
        review_id=[reviews.review_id[i] for i in picked],
        product=reviews.product[rows],
        reviewer=reviews.reviewer[rows],
        rating=reviews.rating[rows],
        time=reviews.time[rows],
        verified=reviews.verified[rows],
        helpful=reviews.helpful[rows],
        text=[(texts or reviews.text)[i] for i in picked],
    )


def signals(model: TextModel | None) -> dict[str, Callable[[Reviews], SignalOutput]]:
    """Every stage of ``ALL_SIGNALS`` by name, as `analyse` runs it (``now``: the newest
    review, analyse's default)."""
    # analyse's own table of signal functions, so the bench times what a batch run calls
    available = score._signals(model, None)
    missing = [name for name in score.ALL_SIGNALS if name not in available]
    if missing:
        raise RuntimeError(f"ALL_SIGNALS names stages analyse cannot run: {missing}")
    return {name: available[name] for name in score.ALL_SIGNALS}


def as_analyse_calls(
    name: str, signal: Callable[[Reviews], SignalOutput], outputs: list[SignalOutput]
) -> Callable[[Reviews], SignalOutput]:
    """``signal`` as `analyse` calls it after the stages that gave ``outputs``: ``dense`` is
    judged against a consensus weighted by the bursts' explained share."""
    if name == "dense":
        return partial(dense_blocks, consensus_weight=feature_table(outputs).get(EXPLAINED))
    return signal


def report(stage: Stage) -> None:
    print(
        f"{stage.name}: {stage.wall:.1f} s wall, {stage.cpu:.1f} s CPU,"
        f" {stage.per_core:,.0f} reviews/s/core",
        flush=True,
    )


def text_stage(
    reviews: Reviews, text_sample: int, signal: Callable[[Reviews], SignalOutput], seed: int = 0
) -> Stage:
    """The text classifier timed on a random sample of ``text_sample`` reviews."""
    n = len(reviews)
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(n, size=min(text_sample, n), replace=False))
    sample = subset(reviews, picked)
    stage, _ = timed(TEXT_STAGE, len(picked), partial(signal, sample), False)
    report(stage)
    return stage


def measure(
    reviews: Reviews,
    text_sample: int,
    templates: list[str],
    template_sample: int,
    seed: int = 0,
    text_only: bool = False,
) -> tuple[list[Stage], float]:
    n = len(reviews)
    stages: list[Stage] = []
    outputs: list[SignalOutput] = []
    model = TextModel.load()  # loading (about a second) is not part of the rate
    stage_signals = signals(model)
    for name, signal in stage_signals.items():
        if name == TEXT or text_only:
            continue
        stage, output = timed(name, n, partial(as_analyse_calls(name, signal, outputs), reviews))
        stages.append(stage)
        outputs.append(output)
        report(stage)
    if not text_only:
        stage, _ = timed("combine", n, partial(combine, reviews, outputs))
        stages.append(stage)
        report(stage)
    if TEXT in stage_signals:
        stages.append(text_stage(reviews, text_sample, stage_signals[TEXT], seed))
    if template_sample and not text_only:
        rows = np.arange(min(template_sample, n))
        worst = subset(reviews, rows, templates)
        stage, _ = timed(TEMPLATE_STAGE, len(rows), partial(copied_text, worst), False)
        stages.append(stage)
        report(stage)
    return stages, baseline_seconds(reviews)


def markdown(
    stages: list[Stage],
    baseline: float,
    n: int,
    median_chars: float,
    load_seconds: float,
    peak_mb: float,
    command: str,
) -> str:
    lines = [
        "## Trust scoring speed",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"{n:,} generated reviews (`bench/generate.py`: a tenth as many products, a fifth as"
        f" many reviewers; texts written word by word, median {median_chars:.0f} characters,"
        " lognormal, up to 5,000)."
        f" Reading the Parquet file into the `Reviews` table: {load_seconds:.1f} s. Each stage"
        " of `candor.trust.score.analyse` runs on its own, single-threaded; *per core* is"
        " reviews per CPU-second of this process; *x baseline* is the stage's CPU time over"
        f" a numpy group-by mean of the ratings per product on the same arrays in the same run"
        f" ({1000 * baseline:.1f} ms, best of 5). Peak memory is the process's resident set"
        " while the stage ran (it includes the table and the earlier stages' outputs). The"
        " machine is shared with other jobs, so wall times vary from run to run; CPU time is"
        " the measure.",
        "",
        "| stage | reviews | wall s | CPU s | reviews/s per core | x baseline | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in stages:
        scale = n / s.reviews  # the text stage ran on a sample: its multiple is per n reviews
        lines.append(
            f"| {s.name} | {s.reviews:,} | {s.wall:.1f} | {s.cpu:.1f} | {s.per_core:,.0f}"
            f" | {s.cpu * scale / max(baseline, 1e-9):,.0f} | {s.peak_mb:,.0f} |"
        )
    whole = [s for s in stages if s.whole]
    cpu = sum(s.cpu for s in whole)
    slowest = min(whole, key=lambda s: s.per_core)
    overall = n / max(cpu, 1e-9)
    met = "met" if overall >= TARGET_PER_CORE else "**not met**"
    summary = [
        f"Everything except the text classifier: {cpu:.1f} CPU-seconds,"
        f" {overall:,.0f} reviews/s per core overall (target: at least"
        f" {TARGET_PER_CORE:,} reviews/s per core for the whole analysis but the text"
        f" classifier: {met}); slowest stage {slowest.name} at {slowest.per_core:,.0f}/s."
    ]
    text_stage = next((s for s in stages if s.name == TEXT_STAGE), None)
    if text_stage is not None:
        summary.append(
            f"The text classifier scores {text_stage.per_core:,.0f} reviews/s per core"
            f" ({text_model_summary(TextModel.load())}), so {n:,} reviews take about"
            f" {n / text_stage.per_core / 60:.1f} CPU-minutes: in a batch run it is the stage"
            " to shard across cores."
        )
    summary.append(f"Peak resident memory of the whole run: {peak_mb:,.0f} MB.")
    lines += ["", " ".join(summary)]
    worst = [s for s in stages if s.name == TEMPLATE_STAGE]
    if worst:
        lines += [
            "",
            f"Worst case for the copied-text stage: on {worst[0].reviews:,} of"
            " `bench.generate`'s template texts (see `bench/trust_speed.py` for why they are"
            f" not the main corpus) it runs at {worst[0].per_core:,.0f} reviews/s per core:"
            " texts that share whole sentences and template wording make many candidate pairs"
            " near the similarity threshold, and each needs an exact check.",
        ]
    return "\n".join(lines)


def text_model_summary(model: TextModel) -> str:
    """What the text classifier computes per text, read from the model."""
    trees = [
        f"the {name} head's probability from {len(head.trees.roots)} boosted trees over its"
        " decision value and the style rates"
        for name, head in model.heads.items()
        if head.trees is not None
    ]
    return ", ".join(
        [
            f"model {model.version}: hashed word 1-3-grams and char 1-5-grams and 26 style"
            " rates per text, two linear heads",
            *trees,
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--text-sample", type=int, default=100_000)
    parser.add_argument("--template-sample", type=int, default=100_000)
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument(
        "--text-only",
        action="store_true",
        help="time the text classifier alone (to compare two versions of it; implies --no-docs)",
    )
    args = parser.parse_args(argv)
    path = corpus_path(args.reviews)
    started = time.perf_counter()
    reviews, templates = load(path)
    load_seconds = time.perf_counter() - started
    assert reviews.text is not None
    median_chars = float(np.median([len(t) for t in reviews.text]))
    print(f"loaded {len(reviews):,} reviews in {load_seconds:.1f} s", flush=True)
    stages, baseline = measure(
        reviews, args.text_sample, templates, args.template_sample, text_only=args.text_only
    )
    if args.text_only:
        return
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    command = ".venv/bin/python -m bench.trust_speed " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    text = markdown(
        stages, baseline, len(reviews), median_chars, load_seconds, peak_mb, command.strip()
    )
    print(text)
    if not args.no_docs:
        docs.write_section("trust-speed", text)
        print(f"\n(section 'trust-speed' written to {docs.BENCHMARKS_MD})")


if __name__ == "__main__":
    main()
