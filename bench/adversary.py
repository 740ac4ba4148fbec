"""A red team of our own: attack campaigns injected into real reviews, over the attacker's choices.

    python -m bench.adversary [--tune] [--samples NAME ...] [--seeds N ...] [--cells I ...]
                              [--jobs N] [--no-docs] [--json PATH]
                              [--ablate recency|changepoint]

Every review of the real samples (`bench.real_data`) counts as honest. Into each sample
we inject one attack campaign per *cell* of a design over the attacker's choices, then
run Candor (trust analysis and rating) and the plain average on the corpus with and
without the campaign, and report per cell. The report set takes about 15 minutes on 2
cores (``--jobs 2``, the default: cells run in two processes); the text classifier is
most of it. Only a whole report-set run writes its section of docs/benchmarks.md.

Samples and the tune/report split
---------------------------------
- ``amazon_books``: the 999 reviews of 112 books.
- ``amazon_electronics``: a random 4 % of the 56,662 reviews of 21 products (drawn with
  the run's seed; 30 to 200 reviews a product), so that trust runs in seconds.
- ``amazon_kindle+fashion``: the 4,905 Kindle book reviews (4,444 books, nearly one
  review each, so none with 8) and the 447 fashion reviews (27 products) pooled into one
  catalogue: the targets are the fashion products with 8 reviews or more (three), the
  Kindle books are the catalogue around them, which a campaign must not move and whose
  honest reviews must not be distrusted.
- ``amazon_fashion`` alone can be run too.

The **tuning set** is seeds 1 and 2 on ``amazon_books`` and ``amazon_electronics``
(``--tune``): the samples Candor's development has used (the recency test was tuned on
the electronics sample; the spill check runs on the books). The
**report set** (the default, and what docs/benchmarks.md shows as "not tuned on") is
seeds 11, 12 and 13 on ``amazon_kindle+fashion``. Tune on the tuning set only.

The design (`design`)
---------------------
60 cells, each a choice of every axis below. Every level of every axis appears equally
often (15, 20, 12 or 30 times) and every pair of levels of two axes appears together in
at least one cell (a fractional design found by a seeded search, the same on every run).
Each cell runs on every sample of the set, cell i with the set's seed i mod (number of
seeds).

- **timing** (each target's fakes, uniform at random within the span): all within 2
  days; 2 weeks; 2 months; a *drip* over 12 months, evenly spaced (with jitter) at least
  7.6 days apart so that no 30-day window holds 5 of a target's fakes (a target with more
  than 48 fakes needs longer than 12 months for that, and gets it). The campaign on the
  j-th target starts 5 * j days after the day following the sample's newest review
  (campaigns are now, after everything the sample holds; staggered targets).
- **accounts**: *fresh* single-use accounts (an aged account with no history is the same
  in the data: exports have no account dates); *aged* accounts with 5 or 20 camouflage
  reviews each, posted over the 180 days before the account's first fake, on distinct
  products drawn from the 30 most-reviewed products that are not targets (at most half
  of the products that are not targets, so that spill can be measured on the others:
  7 on the electronics sample, whose aged accounts then have at most 7), with stars = the product's rounded plain average + -1, 0 or +1
  (kept in 1..5), texts borrowed from a genuine review of that product and lightly
  edited (`light_edit`: synonym swaps, maybe a sentence dropped, at least one change),
  the cell's verified share, no helpful votes.
- **verified** share of the fakes: 0, 50 or 100 % (exactly, over the cell's fakes).
- **text**: *template*: one script per target from `bench.text.campaign_script`,
  rendered with a third of the slot words swapped (near duplicates); *paraphrased*:
  `paraphrase`, 2 to 5 of five ideas, each in one of four wordings, synonyms swapped
  with probability 0.5, the sentences shuffled; *copied*: verbatim texts of genuine
  reviews with the same stars (else the same sentiment) of products that are not
  targets; *unique*: `bench.text.honest_title` and `honest_text` (genuine-looking
  sentences assembled from a bank); *none*: rating only.
- **structure**: one account per fake review, or a *pool*: accounts each hitting a
  different overlapping subset of 3 to 10 targets (as many as there are, if fewer), at
  the staggered times of each target's campaign; as many accounts as the largest
  target's fakes need, and enough that the subsets cover every fake.
- **stars**: pure 5 (promotion) or pure 1 (sabotage); mixed 4-5 or 1-2 (each star half
  the time). Promotion targets are drawn from the lower-rated half of the eligible
  products (plain average), sabotage targets from the higher-rated half.
- **helpful** votes on each fake: 0, or 50 to 300 (uniform).
- **budget**: fakes per target = 30 %, 75 % or 150 % of the target's genuine review
  count, at least 5.

Targets: 6 products per cell (all eligible ones when fewer), drawn with the cell's seed
from the products with at least 8 genuine reviews.

What is run
-----------
Trust: `candor.trust.score.analyse` with every signal over the whole corpus (the
sample's `Corpus.trust_reviews`), as `candor score` runs it. Ratings: the rating engine
(`candor.ratings.rate_books`) at ``now`` = the corpus's newest review, with the catalogue
prior made as `candor score` makes it (`candor.pipeline.run.score_books`: the star mixes
of a first scoring with the typical book's prior give `Prior.from_books`). The plain
average is the mean of every posted star. The clean corpus's results are computed once
per sample (and seed, for the electronics draw).

Per cell (targets = the attacked products):

- *plain shift*: mean over targets of |plain average attacked - plain average clean|;
- *Candor shift*: the same for Candor's rating;
- *removed*: 1 - Candor shift / plain shift (100 %: the campaign did not move Candor);
- *recall*: the share of the campaign's fake reviews (camouflage excluded) with trust
  below 0.5;
- *spill*: mean |move| of Candor's rating over the products that received no injected
  review (camouflaged products excluded: their own reviews changed);
- *honest distrusted*: the share of genuine reviews with trust below 0.5 in the attacked
  corpus (the clean corpus's share is given beside it);
- *moved more*: Candor's shift is larger than the plain average's.

Summary: the median cell's and the worst cell's removal, the number of cells where
Candor moved more, the largest spill, the largest honest-distrusted share, and the
honest change row. Targets (from the issue): median removed >= 80 %, worst >= 50 %, no
cell where Candor moves more, spill <= 0.01 stars, honest distrusted <= 5 %, the honest
change followed better than by the plain average.

``--ablate`` measures a Candor with one part switched off, to show what that part buys
and costs: *recency* (the change test never opens: every review counts the same
whatever its age) or *changepoint* (the long-window change signal does not run). Such a
run never writes the docs.

The honest change row (`new_edition`)
-------------------------------------
Once per sample and seed, with no campaign: 6 eligible products (drawn with the seed;
all of them when fewer) get a new edition the day after the sample's newest review. Over the following 180 days
it gets max(10, half its genuine count) honest reviews from new single-review accounts,
verified as often as the product's own reviews, no helpful votes, texts from
`bench.text`, stars drawn from the product's star mix (smoothed with a tenth of the
typical book's) exponentially tilted so that its mean moves by -1.2 stars (products
rated 3.5 or more) or +1.0 (below), kept within 1.2..4.8: that mean is the post-change
truth. Reported: mean |rating - truth| over the products for the plain average and
Candor (and before the new reviews, for scale), the share of the new honest reviews
distrusted, and the share of the plain average's move Candor did not make (*removed*,
as for a cell): the score a campaign built exactly like this change would get.
"""

import argparse
import json
import math
import multiprocessing
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from bench import docs, real_data
from bench import text as bench_text
from bench.real_data import BoolArray, Corpus, FloatArray, IntArray
from candor.ratings import DEFAULT_CONFIG, Prior, rate_books
from candor.ratings.config import RatingConfig
from candor.trust.score import ALL_SIGNALS, analyse

DAY = 86_400.0

TUNE_SAMPLES = ("amazon_books", "amazon_electronics")
TUNE_SEEDS = (1, 2)
REPORT_SAMPLES = ("amazon_kindle+fashion",)
REPORT_SEEDS = (11, 12, 13)

ELECTRONICS_SHARE = 0.04
MIN_GENUINE = 8
TARGETS_PER_CELL = 6
MIN_FAKES = 5
STAGGER_DAYS = 5.0
DRIP_DAYS = 365.0
DRIP_MIN_GAP_DAYS = 7.6  # 4 gaps of 7.6 days > 30 days: no 30-day window holds 5 fakes
CAMOUFLAGE_DAYS = 180.0
POPULAR_PRODUCTS = 30
POOL_MIN_TARGETS = 3
POOL_MAX_TARGETS = 10
HELPFUL_RANGE = (50, 300)
DISTRUSTED = 0.5

EDITION_DOWN = -1.2
EDITION_UP = 1.0
EDITION_TURN = 3.5  # products rated at least this get worse, the others better
EDITION_SHARE = 0.5
EDITION_MIN = 10
EDITION_DAYS = 180.0
EDITION_SMOOTHING = 0.1
EDITION_RANGE = (1.2, 4.8)

CELLS = 60
DESIGN_SEED = 20_261_207
DESIGN_STEPS = 4_000

TARGET_MEDIAN_REMOVED = 0.80
TARGET_WORST_REMOVED = 0.50
TARGET_SPILL = 0.01
TARGET_HONEST_DISTRUSTED = 0.05

GENUINE, ATTACK, CAMOUFLAGE, EDITION = 0, 1, 2, 3

# ------------------------------------------------------------------------------ design

AXES: dict[str, tuple[str, ...]] = {
    "timing": ("2d", "2w", "2m", "12m"),
    "accounts": ("fresh", "aged5", "aged20"),
    "verified": ("0", "50", "100"),
    "text": ("template", "paraphrased", "copied", "unique", "none"),
    "structure": ("single", "pool"),
    "stars": ("5", "1", "4-5", "1-2"),
    "helpful": ("0", "50-300"),
    "budget": ("30", "75", "150"),
}
LABELS = {
    "timing": {"2d": "2 days", "2w": "2 weeks", "2m": "2 months", "12m": "12-month drip"},
    "accounts": {"fresh": "fresh", "aged5": "aged, 5 camouflage", "aged20": "aged, 20 camouflage"},
    "verified": {"0": "0 % verified", "50": "50 % verified", "100": "100 % verified"},
    "text": {
        "template": "template",
        "paraphrased": "paraphrased",
        "copied": "copied",
        "unique": "unique",
        "none": "rating only",
    },
    "structure": {"single": "one account each", "pool": "pool"},
    "stars": {"5": "5★", "1": "1★", "4-5": "4-5★", "1-2": "1-2★"},
    "helpful": {"0": "0 helpful", "50-300": "50-300 helpful"},
    "budget": {"30": "30 %", "75": "75 %", "150": "150 %"},
}
SPAN_DAYS = {"2d": 2.0, "2w": 14.0, "2m": 61.0}
CAMOUFLAGE_COUNT = {"fresh": 0, "aged5": 5, "aged20": 20}
STAR_CHOICES = {"5": (5,), "1": (1,), "4-5": (4, 5), "1-2": (1, 2)}


@dataclass(frozen=True)
class Attack:
    """One cell's choices (levels of `AXES`)."""

    timing: str
    accounts: str
    verified: str
    text: str
    structure: str
    stars: str
    helpful: str
    budget: str

    @property
    def promotion(self) -> bool:
        return self.stars in ("5", "4-5")

    @property
    def camouflage(self) -> int:
        return CAMOUFLAGE_COUNT[self.accounts]

    @property
    def verified_share(self) -> float:
        return int(self.verified) / 100

    @property
    def budget_share(self) -> float:
        return int(self.budget) / 100

    def label(self) -> str:
        return ", ".join(LABELS[name][getattr(self, name)] for name in AXES)


def pair_imbalance(column: IntArray, levels: int, others: list[tuple[IntArray, int]]) -> float:
    """How far the pairs (other axis' level, this axis' level) are from equally often."""
    total = 0.0
    for other, other_levels in others:
        counts = np.bincount(other * levels + column, minlength=other_levels * levels)
        ideal = len(column) / (other_levels * levels)
        total += float(((counts - ideal) ** 2).sum()) + 100.0 * float((counts == 0).sum())
    return total


def balanced_column(
    levels: int, cells: int, others: list[tuple[IntArray, int]], rng: np.random.Generator
) -> IntArray:
    """Each level equally often, the pairs with ``others`` as even as a swap search makes them."""
    column = rng.permutation(np.arange(cells) % levels)
    best = pair_imbalance(column, levels, others)
    for _ in range(DESIGN_STEPS if others else 0):
        i, j = rng.integers(cells, size=2)
        if column[i] == column[j]:
            continue
        column[[i, j]] = column[[j, i]]
        found = pair_imbalance(column, levels, others)
        if found <= best:
            best = found
        else:
            column[[i, j]] = column[[j, i]]
    return column.astype(np.int64)


@cache
def design(cells: int = CELLS, seed: int = DESIGN_SEED) -> tuple[Attack, ...]:
    """The fractional design: ``cells`` attacks, balanced levels, every pair present."""
    rng = np.random.default_rng(seed)
    columns: list[tuple[IntArray, int]] = []
    for levels in AXES.values():
        columns.append((balanced_column(len(levels), cells, columns, rng), len(levels)))
    names = list(AXES)
    return tuple(
        Attack(
            **{name: AXES[name][int(col[i])] for name, (col, _) in zip(names, columns, strict=True)}
        )
        for i in range(cells)
    )


# ------------------------------------------------------------------------------ samples


def pooled(name: str, parts: Sequence[Corpus]) -> Corpus:
    """Several samples as one catalogue (product and reviewer codes kept apart)."""
    products, reviewers = [], []
    product_offset = reviewer_offset = 0
    for part in parts:
        products.append(part.product + product_offset)
        reviewers.append(part.reviewer + reviewer_offset)
        product_offset += part.n_products
        reviewer_offset += int(part.reviewer.max()) + 1 if len(part) else 0
    texts = [part.text for part in parts]
    return Corpus(
        name,
        np.concatenate(products),
        np.concatenate(reviewers),
        np.concatenate([part.stars for part in parts]),
        np.concatenate([part.seconds for part in parts]),
        np.concatenate([part.verified for part in parts]),
        np.concatenate([part.helpful for part in parts]),
        np.concatenate([part.honest for part in parts]),
        None if any(t is None for t in texts) else [t for part in texts for t in part or []],
    )


@cache
def _loaded(name: str) -> Corpus:
    return real_data.load(name)


def electronics(seed: int) -> Corpus:
    corpus = _loaded("amazon_electronics")
    keep = np.random.default_rng([7, seed]).random(len(corpus)) < ELECTRONICS_SHARE
    return corpus.subset(keep)


SAMPLES: dict[str, Callable[[int], Corpus]] = {
    "amazon_books": lambda seed: _loaded("amazon_books"),
    "amazon_electronics": electronics,
    "amazon_kindle+fashion": lambda seed: pooled(
        "amazon_kindle+fashion", [_loaded("amazon_kindle"), _loaded("amazon_fashion")]
    ),
    "amazon_fashion": lambda seed: _loaded("amazon_fashion"),
}
SEEDED_SAMPLES = ("amazon_electronics",)  # the sample itself depends on the seed


def sample(name: str, seed: int) -> Corpus:
    if name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}; choose from {', '.join(SAMPLES)}")
    return SAMPLES[name](seed)


# ------------------------------------------------------------------------------ texts

SYNONYMS: dict[str, tuple[str, ...]] = {
    "amazing": ("incredible", "fantastic", "wonderful", "brilliant", "superb"),
    "great": ("excellent", "terrific", "wonderful", "superb"),
    "good": ("nice", "solid", "decent", "fine"),
    "best": ("finest", "greatest"),
    "book": ("novel", "read", "title"),
    "loved": ("adored", "enjoyed", "relished"),
    "love": ("adore", "enjoy"),
    "really": ("truly", "genuinely", "certainly"),
    "very": ("extremely", "so", "truly"),
    "recommend": ("suggest", "endorse"),
    "highly": ("strongly", "warmly", "wholeheartedly"),
    "everyone": ("everybody", "anyone", "all readers"),
    "author": ("writer",),
    "story": ("plot", "tale", "narrative"),
    "characters": ("cast", "people"),
    "terrible": ("awful", "horrible", "dreadful", "abysmal"),
    "bad": ("poor", "weak", "lousy"),
    "boring": ("dull", "tedious", "tiresome"),
    "disappointed": ("let down", "dissatisfied", "unhappy"),
    "money": ("cash",),
    "buy": ("purchase", "order"),
    "bought": ("purchased", "ordered"),
    "finished": ("completed",),
    "perfect": ("flawless", "ideal"),
    "beautiful": ("lovely", "gorgeous"),
    "happy": ("pleased", "glad", "satisfied"),
    "easy": ("simple", "effortless"),
    "nice": ("pleasant", "lovely"),
    "big": ("large", "huge"),
    "awful": ("terrible", "dreadful"),
    "excellent": ("outstanding", "superb"),
    "wonderful": ("marvellous", "delightful"),
    "enjoyed": ("liked", "loved"),
    "worth": ("deserving of",),
    "fast": ("quick", "speedy"),
    "quickly": ("fast", "rapidly"),
    "pretty": ("quite", "fairly"),
    "little": ("small", "slight"),
}
PRAISE: tuple[tuple[str, ...], ...] = (
    (
        "This is the best book I have read this year.",
        "Amazing book from start to finish.",
        "I loved every page of this book.",
        "What a great read this was.",
    ),
    (
        "I could not put it down.",
        "I read it in one sitting.",
        "It kept me up all night.",
        "I finished it in two days.",
    ),
    (
        "The author really knows how to tell a story.",
        "The writing is excellent and the characters feel real.",
        "The story is beautiful and very well told.",
        "The author has a wonderful style.",
    ),
    (
        "I highly recommend it to everyone.",
        "You will not regret buying it.",
        "Buy it, you will love it.",
        "Everyone should read this book.",
    ),
    ("Five stars!", "Cannot wait for the next one.", "Worth every penny.", "A must read."),
)
CRITICISM: tuple[tuple[str, ...], ...] = (
    (
        "This is the worst book I have read this year.",
        "Terrible book from start to finish.",
        "I hated almost every page of this book.",
        "What a bad read this was.",
    ),
    (
        "I could not finish it.",
        "I gave up after a few chapters.",
        "It put me to sleep every night.",
        "I forced myself through it and regretted it.",
    ),
    (
        "The author really does not know how to tell a story.",
        "The writing is awful and the characters feel fake.",
        "The story is boring and very badly told.",
        "The author has a clumsy style.",
    ),
    (
        "Do not buy it, it is a waste of money.",
        "You will regret buying it.",
        "Save your money and skip this one.",
        "Nobody should read this book.",
    ),
    ("One star is too many.", "Very disappointed.", "Avoid.", "Not worth the money."),
)
PRAISE_TITLES = ("Great read", "Loved it", "Amazing", "Highly recommended", "Must read")
CRITICISM_TITLES = ("Terrible", "Disappointed", "Waste of money", "Avoid", "Boring")
EDIT_ADDITIONS = ("Recommended.", "Worth a look.", "As expected.", "Good value.", "Fine overall.")
_WORD = re.compile(r"[A-Za-z]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def swap_words(text: str, rng: np.random.Generator, chance: float) -> str:
    """``text`` with each word that has synonyms swapped for one with probability ``chance``."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        options = SYNONYMS.get(word.lower())
        if not options or rng.random() >= chance:
            return word
        chosen = options[int(rng.integers(len(options)))]
        return chosen[0].upper() + chosen[1:] if word[0].isupper() else chosen

    return _WORD.sub(swap, text)


def paraphrase(rng: np.random.Generator, promotion: bool) -> str:
    """A campaign text said another way each time: 2 to 5 of five ideas, each in one of
    its wordings, synonyms swapped (probability 0.5), sentences shuffled, a title."""
    ideas = PRAISE if promotion else CRITICISM
    count = int(rng.integers(2, len(ideas) + 1))
    chosen = rng.choice(len(ideas), size=count, replace=False)
    sentences = [ideas[int(i)][int(rng.integers(len(ideas[int(i)])))] for i in chosen]
    body = " ".join(swap_words(s, rng, 0.5) for s in rng.permutation(sentences).tolist())
    titles = PRAISE_TITLES if promotion else CRITICISM_TITLES
    title = swap_words(titles[int(rng.integers(len(titles)))], rng, 0.5)
    return f"{title}\n{body}"


def light_edit(text: str, rng: np.random.Generator) -> str:
    """A borrowed text lightly edited: synonyms swapped (probability 0.5), one sentence of
    a long last paragraph maybe dropped; a short sentence added when nothing changed."""
    head, _, last = text.rpartition("\n")
    sentences = _SENTENCE.split(last)
    if len(sentences) >= 3 and rng.random() < 0.5:
        del sentences[1 + int(rng.integers(len(sentences) - 1))]
    last = " ".join(sentences)
    edited = swap_words(f"{head}\n{last}" if head else last, rng, 0.5)
    if edited == text:
        edited = f"{text} {EDIT_ADDITIONS[int(rng.integers(len(EDIT_ADDITIONS)))]}"
    return edited


def unique_text(rng: np.random.Generator, stars: int) -> str:
    title = bench_text.honest_title(rng, stars)
    body = bench_text.honest_text(rng, stars)
    return f"{title}\n{body}" if title else body


class CopyBank:
    """Genuine texts of the products that are not targets, by stars, to copy verbatim."""

    GROUPS = ((1, 2), (3,), (4, 5))

    def __init__(self, corpus: Corpus, exclude: IntArray, rng: np.random.Generator) -> None:
        assert corpus.text is not None
        self.texts = corpus.text
        self.rng = rng
        usable = corpus.honest & ~np.isin(corpus.product, exclude)
        usable &= np.array([bool(t.strip()) for t in self.texts], dtype=bool)
        self.rows: dict[object, list[int]] = {}
        for star in range(1, 6):
            self.rows[star] = rng.permutation(
                np.flatnonzero(usable & (corpus.stars == star))
            ).tolist()
        for group in self.GROUPS:
            self.rows[group] = [row for star in group for row in self.rows[star]]
        self.used: dict[object, int] = dict.fromkeys(self.rows, 0)

    def take(self, stars: int) -> str:
        """The next unused text with these stars (else the same sentiment), reused in turn
        when all are used; a `unique_text` when the sample has none."""
        key: object = stars if self.rows[stars] else self.group(stars)
        rows = self.rows[key]
        if not rows:
            return unique_text(self.rng, stars)
        row = rows[self.used[key] % len(rows)]
        self.used[key] += 1
        return self.texts[row]

    @classmethod
    def group(cls, stars: int) -> tuple[int, ...]:
        return next(group for group in cls.GROUPS if stars in group)


def campaign_texts(
    level: str, stars: IntArray, promotion: bool, rng: np.random.Generator, bank: CopyBank
) -> list[str]:
    """The texts of one target's fakes for the cell's text level."""
    n = len(stars)
    if level == "none":
        return [""] * n
    if level == "template":
        scripts, titles = bench_text.campaign_script(rng, promotion)
        return [
            f"{titles[i % len(titles)].render(rng)}\n{scripts[i % len(scripts)].render(rng)}"
            for i in range(n)
        ]
    if level == "paraphrased":
        return [paraphrase(rng, promotion) for _ in range(n)]
    if level == "copied":
        return [bank.take(int(s)) for s in stars]
    if level == "unique":
        return [unique_text(rng, int(s)) for s in stars]
    raise ValueError(f"unknown text level {level!r}")


# ------------------------------------------------------------------------------ injection


@dataclass
class NewReviews:
    """Reviews to add to a corpus, column by column."""

    product: list[int] = field(default_factory=list)
    reviewer: list[int] = field(default_factory=list)
    stars: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)
    helpful: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    role: list[int] = field(default_factory=list)

    def add(
        self,
        product: int,
        reviewer: int,
        stars: int,
        seconds: float,
        verified: bool,
        helpful: int,
        text: str,
        role: int,
    ) -> None:
        self.product.append(product)
        self.reviewer.append(reviewer)
        self.stars.append(stars)
        self.seconds.append(seconds)
        self.verified.append(verified)
        self.helpful.append(helpful)
        self.text.append(text)
        self.role.append(role)


@dataclass(frozen=True)
class Injected:
    """A corpus with reviews added: each review's role, the products attacked (or given a
    new edition), and for a new edition the post-change truth per target."""

    corpus: Corpus
    role: IntArray  # GENUINE, ATTACK, CAMOUFLAGE or EDITION per review
    targets: IntArray
    truth: FloatArray | None = None

    @property
    def touched(self) -> BoolArray:
        """Products that received any injected review."""
        added = self.corpus.product[self.role != GENUINE]
        return np.bincount(added, minlength=self.corpus.n_products) > 0


def appended(corpus: Corpus, new: NewReviews) -> tuple[Corpus, IntArray]:
    """The corpus with ``new`` after its reviews, and every review's role."""
    size = len(new.stars)
    honest = np.asarray(new.role, dtype=np.int64) == EDITION
    joined = Corpus(
        corpus.name,
        np.concatenate([corpus.product, np.asarray(new.product, dtype=np.int64)]),
        np.concatenate([corpus.reviewer, np.asarray(new.reviewer, dtype=np.int64)]),
        np.concatenate([corpus.stars, np.asarray(new.stars, dtype=np.int64)]),
        np.concatenate([corpus.seconds, np.asarray(new.seconds, dtype=np.float64)]),
        np.concatenate([corpus.verified, np.asarray(new.verified, dtype=bool).reshape(size)]),
        np.concatenate([corpus.helpful, np.asarray(new.helpful, dtype=np.int64)]),
        np.concatenate([corpus.honest, honest]),
        None if corpus.text is None else [*corpus.text, *new.text],
    )
    role = np.concatenate([np.full(len(corpus), GENUINE), np.asarray(new.role, dtype=np.int64)])
    return joined, role.astype(np.int64)


def genuine_counts(corpus: Corpus) -> IntArray:
    return np.bincount(corpus.product[corpus.honest], minlength=corpus.n_products)


def plain_means(corpus: Corpus) -> FloatArray:
    counts = np.bincount(corpus.product, minlength=corpus.n_products)
    sums = np.bincount(corpus.product, corpus.stars, minlength=corpus.n_products)
    with np.errstate(invalid="ignore", divide="ignore"):
        means: FloatArray = sums / counts
    return means


def eligible(corpus: Corpus) -> IntArray:
    """Products with at least `MIN_GENUINE` genuine reviews, lowest plain average first."""
    products = np.flatnonzero(genuine_counts(corpus) >= MIN_GENUINE)
    order = np.argsort(plain_means(corpus)[products], kind="stable")
    return products[order].astype(np.int64)


def choose_targets(corpus: Corpus, promotion: bool, rng: np.random.Generator) -> IntArray:
    """`TARGETS_PER_CELL` eligible products from the lower-rated half (promotion) or the
    higher-rated half (sabotage); all of them when there are no more."""
    ranked = eligible(corpus)
    if len(ranked) == 0:
        raise ValueError(f"{corpus.name}: no product has {MIN_GENUINE} genuine reviews")
    half = max(TARGETS_PER_CELL, math.ceil(len(ranked) / 2))
    candidates = ranked[:half] if promotion else ranked[::-1][:half]
    size = min(TARGETS_PER_CELL, len(candidates))
    return np.sort(rng.choice(candidates, size=size, replace=False)).astype(np.int64)


def fake_count(genuine: int, budget: float) -> int:
    return max(MIN_FAKES, round(budget * genuine))


def campaign_times(count: int, timing: str, start: float, rng: np.random.Generator) -> FloatArray:
    """Whole seconds of ``count`` fakes from ``start``: uniform over the timing's span, or
    the drip: evenly spaced over 12 months (longer when needed), gaps of at least
    `DRIP_MIN_GAP_DAYS` with jitter, so no 30-day window holds 5 of them."""
    if timing == "12m":
        gap = max(DRIP_DAYS / count, DRIP_MIN_GAP_DAYS)
        jitter = (gap - DRIP_MIN_GAP_DAYS) / 2 * rng.uniform(-1, 1, count)
        days = (np.arange(count) + 0.5) * gap + jitter
    else:
        days = np.sort(rng.uniform(0, SPAN_DAYS[timing], count))
    result: FloatArray = np.floor(start + days * DAY)
    return result


def pool_accounts(fakes: Sequence[int], rng: np.random.Generator) -> list[IntArray]:
    """Per target, the pool accounts that post its fakes: each account is meant for a
    subset of 3 to 10 targets (fewer when there are fewer) and the targets pick accounts
    with the room left, so the subsets overlap and differ."""
    targets = len(fakes)
    low, high = min(POOL_MIN_TARGETS, targets), min(POOL_MAX_TARGETS, targets)
    sizes: list[int] = []
    while sum(sizes) < sum(fakes) or len(sizes) < max(fakes):
        sizes.append(int(rng.integers(low, high + 1)))
    room = np.asarray(sizes, dtype=np.float64)
    chosen: list[IntArray] = [np.zeros(0, dtype=np.int64)] * targets
    for t in np.argsort(fakes, kind="stable")[::-1].tolist():
        weights = np.maximum(room, 0.0) + 1e-6
        picks = rng.choice(len(sizes), size=fakes[t], replace=False, p=weights / weights.sum())
        room[picks] -= 1
        chosen[t] = np.asarray(picks, dtype=np.int64)
    return chosen


def popular_products(corpus: Corpus, exclude: IntArray, rng: np.random.Generator) -> IntArray:
    """The `POPULAR_PRODUCTS` most-reviewed products that are not ``exclude`` (ties at
    random), at most half of them: the others are left to measure spill on."""
    counts = genuine_counts(corpus).astype(np.float64)
    counts[exclude] = -1
    noise = rng.random(len(counts))
    order = np.lexsort((noise, -counts))
    others = order[counts[order] > 0]
    found = others[: min(POPULAR_PRODUCTS, len(others) // 2)]
    return found.astype(np.int64)


def shuffled_share(count: int, share: float, rng: np.random.Generator) -> BoolArray:
    """Exactly round(share * count) True values, at random places."""
    flags = np.zeros(count, dtype=bool)
    flags[rng.choice(count, size=round(share * count), replace=False)] = True
    return flags


@dataclass
class Campaign:
    """One target's fakes before they become reviews."""

    product: int
    accounts: IntArray
    stars: IntArray
    seconds: FloatArray
    texts: list[str]


def plan_campaigns(
    corpus: Corpus, attack: Attack, targets: IntArray, rng: np.random.Generator
) -> list[Campaign]:
    counts = genuine_counts(corpus)
    fakes = [fake_count(int(counts[t]), attack.budget_share) for t in targets.tolist()]
    if attack.structure == "pool":
        accounts = pool_accounts(fakes, rng)
    else:
        starts = np.cumsum([0, *fakes[:-1]])
        accounts = [start + np.arange(n) for start, n in zip(starts, fakes, strict=True)]
    bank = CopyBank(corpus, targets, rng)
    base = float(corpus.seconds.max()) + DAY
    campaigns = []
    for j, (target, n) in enumerate(zip(targets.tolist(), fakes, strict=True)):
        stars = rng.choice(STAR_CHOICES[attack.stars], size=n).astype(np.int64)
        seconds = campaign_times(n, attack.timing, base + j * STAGGER_DAYS * DAY, rng)
        texts = campaign_texts(attack.text, stars, attack.promotion, rng, bank)
        picked = rng.permutation(accounts[j])  # which pool account posts at which time
        campaigns.append(Campaign(target, picked, stars, seconds, texts))
    return campaigns


class Camouflage:
    """Consensus-agreeing reviews for aged accounts: the cell's popular products, their
    rounded plain averages and their genuine reviews to borrow texts from."""

    def __init__(
        self, corpus: Corpus, targets: IntArray, attack: Attack, rng: np.random.Generator
    ) -> None:
        assert corpus.text is not None
        self.texts = corpus.text
        self.seconds = corpus.seconds
        self.popular = popular_products(corpus, targets, rng)
        self.means = plain_means(corpus)
        self.rows = {
            product: np.flatnonzero(corpus.honest & (corpus.product == product))
            for product in self.popular.tolist()
        }
        self.count = attack.camouflage
        self.verified_share = attack.verified_share
        self.rng = rng

    def add(self, new: NewReviews, account: int, first_attack: float) -> None:
        """`count` reviews by ``account`` on distinct popular products over the
        `CAMOUFLAGE_DAYS` before its first fake, each text borrowed from a genuine review
        posted before it (nobody can copy a review not yet written)."""
        rng = self.rng
        size = min(self.count, len(self.popular))
        for product in rng.choice(self.popular, size=size, replace=False).tolist():
            stars = int(np.clip(round(self.means[product]) + int(rng.integers(-1, 2)), 1, 5))
            when = math.floor(first_attack - rng.uniform(1, CAMOUFLAGE_DAYS) * DAY)
            verified = bool(rng.random() < self.verified_share)
            text = self.borrowed(product, when, stars)
            new.add(product, account, stars, when, verified, 0, text, CAMOUFLAGE)

    def borrowed(self, product: int, when: float, stars: int) -> str:
        """A lightly edited genuine text of ``product`` posted before ``when`` (a
        `unique_text` when there is none)."""
        rows = self.rows[product]
        earlier = rows[self.seconds[rows] < when]
        if not len(earlier):
            return unique_text(self.rng, stars)
        return light_edit(self.texts[int(self.rng.choice(earlier))], self.rng)


def inject(corpus: Corpus, attack: Attack, seed: int | Sequence[int]) -> Injected:
    """The corpus with ``attack``'s campaign (fakes and their accounts' camouflage)."""
    rng = np.random.default_rng(seed)
    targets = choose_targets(corpus, attack.promotion, rng)
    campaigns = plan_campaigns(corpus, attack, targets, rng)
    total = sum(len(c.stars) for c in campaigns)
    verified = shuffled_share(total, attack.verified_share, rng)
    low, high = HELPFUL_RANGE
    helpful = rng.integers(low, high + 1, total) if attack.helpful != "0" else np.zeros(total, int)
    first_account = int(corpus.reviewer.max()) + 1
    new = NewReviews()
    first_attack: dict[int, float] = {}
    k = 0
    for campaign in campaigns:
        for account, stars, when, text in zip(
            campaign.accounts.tolist(),
            campaign.stars.tolist(),
            campaign.seconds.tolist(),
            campaign.texts,
            strict=True,
        ):
            reviewer = first_account + account
            first_attack[reviewer] = min(first_attack.get(reviewer, math.inf), when)
            new.add(
                campaign.product,
                reviewer,
                stars,
                when,
                bool(verified[k]),
                int(helpful[k]),
                text,
                ATTACK,
            )
            k += 1
    if attack.camouflage:
        camouflage = Camouflage(corpus, targets, attack, rng)
        for reviewer, when in sorted(first_attack.items()):
            camouflage.add(new, reviewer, when)
    joined, role = appended(corpus, new)
    return Injected(joined, role, targets)


def tilted(shares: FloatArray, goal: float) -> FloatArray:
    """``shares`` (1 star first) exponentially tilted to have mean ``goal``."""
    stars = np.arange(1, 6, dtype=np.float64)
    low, high = -30.0, 30.0
    for _ in range(200):
        theta = (low + high) / 2
        weights = shares * np.exp(theta * (stars - 3))
        mean = float(weights @ stars / weights.sum())
        low, high = (theta, high) if mean < goal else (low, theta)
    result: FloatArray = weights / weights.sum()
    return result


def edition_mix(corpus: Corpus, product: int) -> tuple[FloatArray, float]:
    """A new edition's star mix for ``product`` and its mean (the post-change truth)."""
    rows = corpus.honest & (corpus.product == product)
    shares = np.bincount(corpus.stars[rows], minlength=6)[1:] / rows.sum()
    typical = np.asarray(DEFAULT_CONFIG.typical_star_shares)
    smoothed = (1 - EDITION_SMOOTHING) * shares + EDITION_SMOOTHING * typical / typical.sum()
    mean = float(corpus.stars[rows].mean())
    shift = EDITION_DOWN if mean >= EDITION_TURN else EDITION_UP
    goal = float(np.clip(mean + shift, *EDITION_RANGE))
    mix = tilted(smoothed, goal)
    return mix, float(mix @ np.arange(1, 6))


def new_edition(corpus: Corpus, seed: int | Sequence[int]) -> Injected:
    """The corpus with an honest change on a few products (no campaign): see the docstring."""
    assert corpus.text is not None
    rng = np.random.default_rng(seed)
    ranked = eligible(corpus)
    targets = np.sort(rng.choice(ranked, size=min(TARGETS_PER_CELL, len(ranked)), replace=False))
    counts = genuine_counts(corpus)
    start = float(corpus.seconds.max()) + DAY
    reviewer = int(corpus.reviewer.max()) + 1
    new = NewReviews()
    truths = []
    for product in targets.tolist():
        mix, truth = edition_mix(corpus, product)
        truths.append(truth)
        verified_rate = float(corpus.verified[corpus.product == product].mean())
        count = max(EDITION_MIN, round(EDITION_SHARE * int(counts[product])))
        stars = rng.choice(np.arange(1, 6), size=count, p=mix)
        days = np.sort(rng.uniform(0, EDITION_DAYS, count))
        for star, day in zip(stars.tolist(), days.tolist(), strict=True):
            verified = bool(rng.random() < verified_rate)
            text = unique_text(rng, star)
            new.add(
                product, reviewer, star, math.floor(start + day * DAY), verified, 0, text, EDITION
            )
            reviewer += 1
    joined, role = appended(corpus, new)
    return Injected(joined, role, targets.astype(np.int64), np.asarray(truths))


# ------------------------------------------------------------------------------ engines


@dataclass(frozen=True)
class Scored:
    """Per product the plain average and Candor's rating; per review its trust."""

    plain: FloatArray
    candor: FloatArray
    trust: FloatArray
    seconds: float


@dataclass(frozen=True)
class Variant:
    """The Candor a run measures: as shipped, or with one part switched off (``--ablate``)."""

    signals: tuple[str, ...] = ALL_SIGNALS
    config: RatingConfig = DEFAULT_CONFIG


NEVER = 1e9  # a change score no book reaches: recency never gets a say
ABLATIONS = {
    "recency": Variant(
        config=replace(DEFAULT_CONFIG, change_z_start=NEVER, change_z_full=2 * NEVER)
    ),
    "changepoint": Variant(signals=tuple(s for s in ALL_SIGNALS if s != "changepoint")),
}
_VARIANT = Variant()  # set by `main` before any worker is forked


def trust_of(corpus: Corpus) -> FloatArray:
    """Trust of every review: every signal over the whole corpus, as `candor score` runs."""
    reviews = corpus.trust_reviews()
    result: FloatArray = np.asarray(analyse(reviews, _VARIANT.signals).trust, float)
    return result


def candor_ratings(corpus: Corpus, trust: FloatArray) -> FloatArray:
    """Candor's rating of every product at the newest review, with the catalogue prior as
    `candor score` makes it (`candor.pipeline.run.score_books`)."""
    reviews = corpus.rating_reviews(trust)
    now = float(corpus.seconds.max())
    count = corpus.n_products
    config = _VARIANT.config
    first = rate_books(
        reviews, corpus.product, count, now=now, prior=Prior.typical(), config=config
    )
    prior = Prior.from_books(first.scores.mix, first.scores.evidence)
    rated = rate_books(reviews, corpus.product, count, now=now, prior=prior, config=config)
    result: FloatArray = rated.scores.rating
    return result


def score(corpus: Corpus) -> Scored:
    started = time.perf_counter()
    trust = trust_of(corpus)
    candor = candor_ratings(corpus, trust)
    return Scored(plain_means(corpus), candor, trust, time.perf_counter() - started)


# ------------------------------------------------------------------------------ metrics


@dataclass
class Cell:
    """One cell's result on one sample (definitions: the module docstring)."""

    index: int
    sample: str
    seed: int
    attack: Attack
    targets: int
    fakes: int
    camouflage: int
    plain_shift: float
    candor_shift: float
    removed: float
    recall: float
    spill: float
    spill_largest: float
    honest_distrusted: float
    moved_more: bool
    unrated_targets: int
    seconds: float


def shift(before: FloatArray, after: FloatArray, products: IntArray) -> float:
    """Mean |after - before| over ``products`` (a rating withdrawn counts as no move)."""
    moves = np.abs(after[products] - before[products])
    return float(np.nanmean(moves)) if np.isfinite(moves).any() else math.nan


def removed_share(plain_shift: float, candor_shift: float) -> float:
    return 1.0 - candor_shift / plain_shift if plain_shift > 0 else math.nan


def cell_metrics(clean: Scored, attacked: Scored, injected: Injected) -> dict[str, float]:
    """The per-cell numbers of the docstring, from the two runs' results."""
    targets, role = injected.targets, injected.role
    plain_shift = shift(clean.plain, attacked.plain, targets)
    candor_shift = shift(clean.candor, attacked.candor, targets)
    untouched = np.flatnonzero(~injected.touched)
    moves = np.abs(attacked.candor[untouched] - clean.candor[untouched])
    moves = moves[np.isfinite(moves)]
    distrusted = attacked.trust < DISTRUSTED
    fake = role == ATTACK
    return {
        "plain_shift": plain_shift,
        "candor_shift": candor_shift,
        "removed": removed_share(plain_shift, candor_shift),
        "recall": float(distrusted[fake].mean()) if fake.any() else math.nan,
        "spill": float(moves.mean()) if len(moves) else math.nan,
        "spill_largest": float(moves.max()) if len(moves) else math.nan,
        "honest_distrusted": float(distrusted[role == GENUINE].mean()),
        "moved_more": bool(candor_shift > plain_shift),
        "unrated_targets": int(np.isnan(attacked.candor[targets]).sum()),
    }


@dataclass
class EditionRow:
    """The honest change on one sample and seed."""

    sample: str
    seed: int
    targets: int
    new_reviews: int
    plain_error: float
    candor_error: float
    plain_error_before: float
    candor_error_before: float
    new_distrusted: float
    honest_distrusted: float
    plain_shift: float  # mean |move| of the targets: the same reviews seen as a campaign
    candor_shift: float

    @property
    def removed(self) -> float:
        """The share of the plain average's move Candor did not make: what a campaign built
        like this honest change (a review club) would score in a cell."""
        return removed_share(self.plain_shift, self.candor_shift)


def edition_row(
    name: str, seed: int, clean: Scored, changed: Scored, injected: Injected
) -> EditionRow:
    targets, truth = injected.targets, injected.truth
    assert truth is not None
    distrusted = changed.trust < DISTRUSTED
    new = injected.role == EDITION

    def error(ratings: FloatArray) -> float:
        return float(np.mean(np.abs(ratings[targets] - truth)))

    return EditionRow(
        name,
        seed,
        len(targets),
        int(new.sum()),
        error(changed.plain),
        error(changed.candor),
        error(clean.plain),
        error(clean.candor),
        float(distrusted[new].mean()),
        float(distrusted[injected.role != ATTACK].mean()),
        shift(clean.plain, changed.plain, targets),
        shift(clean.candor, changed.candor, targets),
    )


@dataclass
class Summary:
    cells: int
    median_removed: float
    worst_removed: float
    moved_more: int
    largest_spill: float
    largest_honest_distrusted: float
    clean_honest_distrusted: float
    edition_plain_error: float
    edition_candor_error: float
    edition_new_distrusted: float
    edition_removed: float


def finite(values: Sequence[float]) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    result: FloatArray = array[np.isfinite(array)]
    return result


def statistic(values: Sequence[float], how: Callable[[FloatArray], float]) -> float:
    """``how`` of the finite ``values`` (NaN when none is: e.g. no product left to spill on)."""
    found = finite(values)
    return float(how(found)) if len(found) else math.nan


def summarise(
    cells: Sequence[Cell], editions: Sequence[EditionRow], clean_distrusted: float
) -> Summary:
    removed = [c.removed for c in cells]
    return Summary(
        cells=len(cells),
        median_removed=statistic(removed, np.median),
        worst_removed=statistic(removed, np.min),
        moved_more=sum(c.moved_more for c in cells),
        largest_spill=statistic([c.spill for c in cells], np.max),
        largest_honest_distrusted=statistic([c.honest_distrusted for c in cells], np.max),
        clean_honest_distrusted=clean_distrusted,
        edition_plain_error=statistic([e.plain_error for e in editions], np.mean),
        edition_candor_error=statistic([e.candor_error for e in editions], np.mean),
        edition_new_distrusted=statistic([e.new_distrusted for e in editions], np.mean),
        edition_removed=statistic([e.removed for e in editions], np.min),
    )


# ------------------------------------------------------------------------------ running


@dataclass
class Report:
    set_name: str  # "report", "tuning" or "custom"
    samples: list[str]
    seeds: list[int]
    seconds: float
    clean: dict[
        str, dict[str, float]
    ]  # per sample (and seed): reviews, products, eligible, distrusted
    cells: list[Cell]
    editions: list[EditionRow]
    summary: Summary


class Runner:
    """Runs cells, keeping each clean corpus's results (per sample, and per seed for the
    samples drawn with the seed)."""

    def __init__(self, say: Callable[[str], None] = lambda line: None) -> None:
        self.say = say
        self.cleans: dict[tuple[str, int], tuple[Corpus, Scored]] = {}

    def clean(self, name: str, seed: int) -> tuple[Corpus, Scored]:
        key = (name, seed if name in SEEDED_SAMPLES else 0)
        if key not in self.cleans:
            corpus = sample(name, seed)
            self.cleans[key] = (corpus, score(corpus))
            self.say(
                f"{name} (seed {key[1]}): clean corpus scored in {self.cleans[key][1].seconds:.1f} s"
            )
        return self.cleans[key]

    def cell(self, name: str, seed: int, index: int, attack: Attack) -> Cell:
        corpus, clean = self.clean(name, seed)
        injected = inject(corpus, attack, [seed, index])
        attacked = score(injected.corpus)
        numbers = cell_metrics(clean, attacked, injected)
        return Cell(
            index=index,
            sample=name,
            seed=seed,
            attack=attack,
            targets=len(injected.targets),
            fakes=int((injected.role == ATTACK).sum()),
            camouflage=int((injected.role == CAMOUFLAGE).sum()),
            seconds=attacked.seconds,
            **numbers,  # type: ignore[arg-type]
        )

    def edition(self, name: str, seed: int) -> EditionRow:
        corpus, clean = self.clean(name, seed)
        injected = new_edition(corpus, [seed, 999])
        return edition_row(name, seed, clean, score(injected.corpus), injected)


def set_name(samples: Sequence[str], seeds: Sequence[int]) -> str:
    if tuple(samples) == REPORT_SAMPLES and tuple(seeds) == REPORT_SEEDS:
        return "report"
    if tuple(samples) == TUNE_SAMPLES and tuple(seeds) == TUNE_SEEDS:
        return "tuning"
    return "custom"


Task = tuple[str, str, int, int]  # ("cell" or "edition", sample, seed, cell index)
_WORKER: Runner | None = None  # the runner a forked worker inherits, clean corpora scored


def work(task: Task) -> "Cell | EditionRow":
    """One task, on this process' runner (`_WORKER`)."""
    assert _WORKER is not None
    kind, name, seed, index = task
    if kind == "cell":
        return _WORKER.cell(name, seed, index, design()[index])
    return _WORKER.edition(name, seed)


def tasks_of(samples: Sequence[str], seeds: Sequence[int], chosen: Sequence[int]) -> list[Task]:
    """Every cell on every sample (cell i with seed i mod the number of seeds), then the
    honest change once per sample and seed."""
    tasks: list[Task] = []
    for name in samples:
        tasks += [("cell", name, seeds[i % len(seeds)], i) for i in chosen]
        tasks += [("edition", name, seed, -1) for seed in seeds]
    return tasks


def progress_line(found: "Cell | EditionRow") -> str:
    if isinstance(found, Cell):
        return (
            f"{found.sample} cell {found.index} (seed {found.seed}): {found.attack.label()}: "
            f"removed {docs.percent(found.removed)}, recall {docs.percent(found.recall)}, "
            f"{found.seconds:.1f} s"
        )
    return (
        f"{found.sample} honest change (seed {found.seed}): error plain "
        f"{docs.stars(found.plain_error)}, Candor {docs.stars(found.candor_error)}"
    )


def run(
    samples: Sequence[str],
    seeds: Sequence[int],
    indices: Sequence[int] | None = None,
    say: Callable[[str], None] = lambda line: None,
    jobs: int = 1,
) -> Report:
    """The cells ``indices`` (default all) on ``samples`` and the honest change, on
    ``jobs`` processes (forked after the clean corpora are scored)."""
    global _WORKER
    started = time.perf_counter()
    chosen = list(range(len(design()))) if indices is None else list(indices)
    runner = Runner(say)
    for name in samples:
        for seed in seeds:
            runner.clean(name, seed)
    tasks = tasks_of(samples, seeds, chosen)
    _WORKER = runner
    try:
        if jobs > 1:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                found = list(report_each(pool.map(work, tasks), say))
        else:
            found = list(report_each(map(work, tasks), say))
    finally:
        _WORKER = None
    cells = [f for f in found if isinstance(f, Cell)]
    editions = [f for f in found if isinstance(f, EditionRow)]
    clean = {}
    for (name, seed), (corpus, scored) in runner.cleans.items():
        key = f"{name} (seed {seed})" if name in SEEDED_SAMPLES else name
        clean[key] = {
            "reviews": len(corpus),
            "products": corpus.n_products,
            "eligible": len(eligible(corpus)),
            "distrusted": float((scored.trust < DISTRUSTED).mean()),
        }
    clean_distrusted = max((row["distrusted"] for row in clean.values()), default=math.nan)
    return Report(
        set_name(samples, seeds),
        list(samples),
        list(seeds),
        time.perf_counter() - started,
        clean,
        cells,
        editions,
        summarise(cells, editions, clean_distrusted),
    )


def report_each(
    results: "Iterator[Cell | EditionRow]", say: Callable[[str], None]
) -> "Iterator[Cell | EditionRow]":
    for found in results:
        say(progress_line(found))
        yield found


# ------------------------------------------------------------------------------ report


def spill_text(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4f}"


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def summary_lines(summary: Summary) -> list[str]:
    s = summary
    edition_ok = s.edition_candor_error < s.edition_plain_error
    return [
        "| | measured | target | |",
        "|---|---:|---|---|",
        f"| median cell: share of the plain average's shift removed | {docs.percent(s.median_removed)}"
        f" | >= 80 % | {met(s.median_removed >= TARGET_MEDIAN_REMOVED)} |",
        f"| worst cell: share removed | {docs.percent(s.worst_removed)} | >= 50 %"
        f" | {met(s.worst_removed >= TARGET_WORST_REMOVED)} |",
        f"| cells where Candor moved more than the plain average | {s.moved_more} of {s.cells}"
        f" | 0 | {met(s.moved_more == 0)} |",
        f"| largest spill (mean move of the products not attacked) | {spill_text(s.largest_spill)}★"
        f" | <= 0.01★ | {met(s.largest_spill <= TARGET_SPILL)} |",
        f"| most honest reviews distrusted in a cell | {docs.percent(s.largest_honest_distrusted)}"
        f" (clean corpus: {docs.percent(s.clean_honest_distrusted)}) | <= 5 %"
        f" | {met(s.largest_honest_distrusted <= TARGET_HONEST_DISTRUSTED)} |",
        f"| honest change: error vs the post-change truth, plain / Candor"
        f" | {docs.stars(s.edition_plain_error)} / {docs.stars(s.edition_candor_error)}"
        f" | Candor below plain | {met(edition_ok)} |",
        f"| the same new reviews posted as a campaign (a review club): share removed, worst seed"
        f" | {docs.percent(s.edition_removed)} | >= 50 %, Candor not moving more"
        f" | {met(s.edition_removed >= TARGET_WORST_REMOVED)} |",
    ]


MIMIC_NOTE = (
    "The last two rows ask opposite things of the same reviews. A review club (the threat"
    " model's paid real readers, or new accounts writing ordinary texts) can post exactly what"
    " the honest change posts: new single-review accounts, ordinary texts, a star mix moved by"
    " a star, over six months. The plain average undershoots that change (the new reviews are"
    " a third of the book's), so following it better than the plain average means moving"
    " further than the plain average, which as a campaign is a cell where Candor moved more;"
    " removing half of the shift means following the change half as far. No rating of these"
    " reviews meets both: the red team reports both, and the target for the honest change"
    " that the threat model sets (at least as well as the plain average) is the one Candor"
    " aims at."
)

CELL_HEADER = (
    "| sample | cell | seed | attack | fakes (camouflage) | plain shift | Candor shift | removed"
    " | recall | spill | honest distrusted |"
)
CELL_RULE = "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"


def cell_line(c: Cell) -> str:
    flag = " ⚑" if c.moved_more else ""
    return (
        f"| {c.sample} | {c.index} | {c.seed} | {c.attack.label()} | {c.fakes:,} ({c.camouflage:,})"
        f" | {docs.stars(c.plain_shift)} | {docs.stars(c.candor_shift)}{flag} | {docs.percent(c.removed)}"
        f" | {docs.percent(c.recall)} | {spill_text(c.spill)} | {docs.percent(c.honest_distrusted)} |"
    )


def worst_first(cells: Sequence[Cell]) -> list[Cell]:
    return sorted(cells, key=lambda c: c.removed if math.isfinite(c.removed) else -math.inf)


def level_lines(cells: Sequence[Cell]) -> list[str]:
    lines = [
        "| axis | level | cells | median removed | worst removed | median recall |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for axis, levels in AXES.items():
        for level in levels:
            chosen = [c for c in cells if getattr(c.attack, axis) == level]
            removed = np.array([c.removed for c in chosen], dtype=np.float64)
            recall = np.array([c.recall for c in chosen], dtype=np.float64)
            if not chosen:
                continue
            lines.append(
                f"| {axis} | {LABELS[axis][level]} | {len(chosen)}"
                f" | {docs.percent(float(np.nanmedian(removed)))} | {docs.percent(float(np.nanmin(removed)))}"
                f" | {docs.percent(float(np.nanmedian(recall)))} |"
            )
    return lines


def edition_lines(editions: Sequence[EditionRow]) -> list[str]:
    lines = [
        "| sample | seed | products | new honest reviews | plain average: error before → after"
        " | Candor: error before → after | new reviews distrusted"
        " | the same reviews as a campaign: share removed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {e.sample} | {e.seed} | {e.targets} | {e.new_reviews:,}"
        f" | {docs.stars(e.plain_error_before)} → {docs.stars(e.plain_error)}"
        f" | {docs.stars(e.candor_error_before)} → {docs.stars(e.candor_error)}"
        f" | {docs.percent(e.new_distrusted)} | {docs.percent(e.removed)} |"
        for e in editions
    ]
    return lines


def set_sentence(report: Report) -> str:
    where = f"{', '.join(report.samples)}; seeds {', '.join(map(str, report.seeds))}"
    if report.set_name == "report":
        return (
            f"**Report set, not tuned on** ({where}). The rating method and the trust engine"
            f" were tuned on the tuning set ({', '.join(TUNE_SAMPLES)}; seeds"
            f" {', '.join(map(str, TUNE_SEEDS))}: `--tune`). The Kindle sample has no book with"
            f" {MIN_GENUINE} reviews, so it is pooled with the fashion sample: the targets are the"
            " three fashion products with 8 reviews or more, the Kindle books the catalogue"
            " around them."
        )
    if report.set_name == "tuning":
        return f"**Tuning set** ({where}): the samples and seeds Candor may be tuned on."
    return f"**Custom set** ({where})."


def markdown(report: Report, command: str) -> str:
    fakes = sum(c.fakes for c in report.cells)
    camouflage = sum(c.camouflage for c in report.cells)
    clean = "; ".join(
        f"{key}: {row['reviews']:,.0f} reviews, {row['products']:,.0f} products,"
        f" {row['eligible']:.0f} with {MIN_GENUINE}+ reviews, {docs.percent(row['distrusted'])} distrusted"
        for key, row in report.clean.items()
    )
    lines = [
        "## Red team: attack campaigns injected into real reviews",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}; {report.seconds:.0f} s.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"{set_sentence(report)} {len(design())} cells of a fractional design over the attacker's"
        f" choices (timing, accounts, verified share, text, structure, stars, helpful votes,"
        f" budget), each run on every sample: {len(report.cells)} runs, {fakes:,} fake reviews"
        f" and {camouflage:,} camouflage reviews in all. Clean corpora: {clean}. Every axis,"
        " level and measure is defined in the docstring of `bench/adversary.py`.",
        "",
        *summary_lines(report.summary),
        "",
        MIMIC_NOTE,
        "",
        "The worst cells (lowest share of the plain average's shift removed; ⚑: Candor moved"
        " more than the plain average; shifts and spill in stars):",
        "",
        CELL_HEADER,
        CELL_RULE,
        *(cell_line(c) for c in worst_first(report.cells)[:8]),
        "",
        "By level of each axis:",
        "",
        *level_lines(report.cells),
        "",
        "Honest change (a new edition; no campaign), mean |rating - post-change truth| over the"
        " products, in stars:",
        "",
        *edition_lines(report.editions),
        "",
        "<details><summary>Every cell</summary>",
        "",
        CELL_HEADER,
        CELL_RULE,
        *(cell_line(c) for c in report.cells),
        "",
        "</details>",
    ]
    return "\n".join(lines)


def as_json(report: Report) -> str:
    def clean(value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    data = asdict(report)
    for cell, found in zip(data["cells"], report.cells, strict=True):
        cell["attack"]["label"] = found.attack.label()
    return json.dumps(clean(data), indent=2)


def shown_command(argv: Sequence[str]) -> str:
    """The command that reproduces the section: the arguments without ``--json PATH``
    (which changes no number)."""
    kept: list[str] = []
    skip = False
    for argument in argv:
        if skip:
            skip = False
        elif argument == "--json":
            skip = True
        elif not argument.startswith("--json="):
            kept.append(argument)
    return f".venv/bin/python -m bench.adversary {shlex.join(kept)}".strip()


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tune", action="store_true", help="run the tuning set")
    parser.add_argument("--samples", nargs="+", choices=list(SAMPLES))
    parser.add_argument("--seeds", nargs="+", type=int)
    parser.add_argument("--cells", nargs="+", type=int, help="only these cells of the design")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)"
    )
    parser.add_argument(
        "--ablate",
        choices=sorted(ABLATIONS),
        help="measure Candor with this part switched off (never written to the docs)",
    )
    args = parser.parse_args(argv)
    global _VARIANT
    _VARIANT = ABLATIONS[args.ablate] if args.ablate else Variant()
    samples = args.samples or list(TUNE_SAMPLES if args.tune else REPORT_SAMPLES)
    seeds = args.seeds or list(TUNE_SEEDS if args.tune else REPORT_SEEDS)
    report = run(samples, seeds, args.cells, to_stderr, args.jobs)
    text = markdown(report, shown_command(sys.argv[1:] if argv is None else argv))
    print(text)
    if args.json:
        args.json.write_text(as_json(report))
    if args.no_docs or args.ablate:
        return
    if report.set_name == "report" and args.cells is None:
        docs.write_section("adversary", text)
        print(f"\n(section 'adversary' written to {docs.BENCHMARKS_MD})")
    else:
        print("\n(docs/benchmarks.md shows the whole report set only; not written)")


if __name__ == "__main__":
    main()
