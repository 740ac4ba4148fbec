"""How well a rating predicts what later honest readers say: the honest test on real data.

    python -m bench.prediction [--datasets NAME ...] [--no-trust] [--before-tree PATH]
                               [--no-docs] [--json PATH]

For each real dataset (`bench.real_data`): cut the catalogue at its median review date;
compute every product's rating from the reviews before the cut ("now" is the cut);
score each product by the distance between its rating and the mean of the honest
reviews after the cut (Yelp: the recommended ones; Amazon: all). The table gives the
mean absolute error over products with at least 5 reviews before and 10 honest ones
after, for:

- the plain average of the stars before the cut;
- a plain Bayesian average: 5 pseudo-ratings at the catalogue's mean before the cut;
- Candor with weights only (every trust 1): `candor.ratings.rate_books` with the
  catalogue prior of every product before the cut (`Prior.from_books`);
- Candor with trust: the same, each review's trust from `candor.trust.score.analyse`
  with every signal over the reviews before the cut, as `candor score` runs it.

``--before-tree PATH`` adds two columns: `candor score` of the reviews before the cut
(``--now`` the cut; with and without trust) run from the Candor checked out at PATH,
for example ``git worktree add /tmp/candor-221796d 221796d``, the method before the
rating issue.

``amazon (pooled)`` pools the products of the three Amazon samples (books, fashion,
electronics); each sample alone has few products that pass the filter.

Candor runs with its default configuration, as a book shop would, except for one
setting on the Yelp datasets, as a restaurant site would set it: the typical item's star
mix (`RatingConfig.typical_star_shares`). The default is a book's (from the Kindle
sample, which this check does not score); for Yelp it is the star mix of YelpZip, a
catalogue of restaurants in other states that this check does not score either.
Nothing else was fitted to these datasets. (The trust combiner was trained on Yelp
labels: see docs/benchmarks.md, "Trust evaluation".)
"""

import argparse
import json
import shlex
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench import docs
from bench.faithfulness import score, write_corpus
from bench.real_data import Corpus, FloatArray, IntArray, day, load
from candor.ratings import DEFAULT_CONFIG, Prior, RatingConfig, rate_books
from candor.trust.score import ALL_SIGNALS, analyse

DATASETS = ("YelpNYC", "YelpChi", "amazon_books", "amazon_fashion", "amazon_electronics")
AMAZON = ("amazon_books", "amazon_fashion", "amazon_electronics")
MIN_BEFORE = 5
MIN_AFTER = 10
BAYES_PSEUDO = 5.0
METHODS = ("plain", "bayes", "before_weights", "before_trust", "candor_weights", "candor_trust")
LABELS = {
    "plain": "plain average",
    "bayes": "Bayesian average (5 at the catalogue mean)",
    "before_weights": "before: Candor, weights only",
    "before_trust": "before: Candor, with trust",
    "candor_weights": "Candor, weights only",
    "candor_trust": "Candor, with trust",
}


@dataclass
class Outcome:
    dataset: str
    cut: str
    products: int
    errors: dict[str, list[float]]  # per method, per product: |rating - later mean|

    def mae(self, method: str) -> float:
        return float(np.mean(self.errors[method])) if self.errors[method] else float("nan")


def split(corpus: Corpus) -> tuple[Corpus, IntArray, FloatArray, float]:
    """The reviews before the cut, the products scored and their later honest means."""
    cut = float(np.median(corpus.seconds))
    early = corpus.seconds < cut
    late = ~early & corpus.honest
    size = corpus.n_products
    before_counts = np.bincount(corpus.product[early], minlength=size)
    after_counts = np.bincount(corpus.product[late], minlength=size)
    after_sums = np.bincount(corpus.product[late], corpus.stars[late], minlength=size)
    products = np.flatnonzero((before_counts >= MIN_BEFORE) & (after_counts >= MIN_AFTER))
    later = after_sums[products] / after_counts[products]
    return corpus.subset(early), products, later, cut


def plain(before: Corpus, products: IntArray) -> FloatArray:
    size = before.n_products if len(before) else 0
    size = max(size, int(products.max()) + 1 if len(products) else 0)
    sums = np.bincount(before.product, before.stars, minlength=size)
    counts = np.bincount(before.product, minlength=size)
    result: FloatArray = sums[products] / counts[products]
    return result


def bayes(before: Corpus, products: IntArray) -> FloatArray:
    size = max(before.n_products, int(products.max()) + 1 if len(products) else 0)
    sums = np.bincount(before.product, before.stars, minlength=size)
    counts = np.bincount(before.product, minlength=size)
    mean = before.stars.mean()
    result: FloatArray = (sums[products] + BAYES_PSEUDO * mean) / (counts[products] + BAYES_PSEUDO)
    return result


def candor(
    before: Corpus,
    products: IntArray,
    now: float,
    trust: FloatArray | None,
    config: RatingConfig = DEFAULT_CONFIG,
) -> FloatArray:
    """Candor's ratings of ``products`` at ``now`` with the catalogue prior of ``before``."""
    reviews = before.rating_reviews(trust)
    size = max(before.n_products, int(products.max()) + 1 if len(products) else 0)
    typical = Prior.typical(config)
    first = rate_books(reviews, before.product, size, now=now, prior=typical, config=config)
    prior = Prior.from_books(first.scores.mix, first.scores.evidence, config)
    rated = rate_books(reviews, before.product, size, now=now, prior=prior, config=config)
    result: FloatArray = rated.scores.rating[products]
    return result


def trust_of(before: Corpus) -> FloatArray:
    result: FloatArray = analyse(before.trust_reviews(), ALL_SIGNALS).trust
    return result


def restaurant_config() -> RatingConfig:
    """The default configuration with YelpZip's star mix as the typical item's."""
    stars = load("YelpZip").stars
    shares = np.bincount(stars, minlength=6)[1:] / len(stars)
    return replace(DEFAULT_CONFIG, typical_star_shares=tuple(shares.tolist()))


def config_for(name: str) -> RatingConfig:
    return restaurant_config() if name.startswith("Yelp") else DEFAULT_CONFIG


def scored_before(
    before: Corpus, products: IntArray, cut: float, tree: Path, *options: str
) -> FloatArray:
    """`candor score` of the reviews before the cut, from the Candor at ``tree``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "before.csv"
        write_corpus(before, path)
        now = datetime.fromtimestamp(cut, tz=UTC).isoformat()
        ratings = score(path, Path(folder) / "out", tree, "--now", now, *options)
    return np.array([ratings[f"p{p}"] for p in products.tolist()], dtype=np.float64)


def evaluate(corpus: Corpus, with_trust: bool, tree: Path | None = None) -> Outcome:
    before, products, later, cut = split(corpus)
    config = config_for(corpus.name)
    predictions = {
        "plain": plain(before, products),
        "bayes": bayes(before, products),
        "candor_weights": candor(before, products, cut, None, config),
    }
    if with_trust:
        predictions["candor_trust"] = candor(before, products, cut, trust_of(before), config)
    if tree is not None:
        predictions["before_weights"] = scored_before(before, products, cut, tree, "--no-trust")
        if with_trust:
            predictions["before_trust"] = scored_before(before, products, cut, tree)
    errors = {
        method: np.abs(predictions[method] - later).tolist() if method in predictions else []
        for method in METHODS
    }
    return Outcome(corpus.name, day(cut), len(products), errors)


def pooled(outcomes: list[Outcome], name: str) -> Outcome:
    errors = {method: [e for o in outcomes for e in o.errors[method]] for method in METHODS}
    cuts = ", ".join(o.cut for o in outcomes)
    return Outcome(name, cuts, sum(o.products for o in outcomes), errors)


def markdown(outcomes: list[Outcome], command: str, seconds: float) -> str:
    methods = [m for m in METHODS if any(o.errors[m] for o in outcomes)]
    header = "| dataset | cut | products | " + " | ".join(LABELS[m] for m in methods) + " |"
    lines = [
        "## Prediction: does the rating foretell later honest readers?",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}.",
        "",
        "```sh",
        command,
        "```",
        "",
        "Mean absolute error (stars) between each product's rating from the reviews before the "
        "cut and the mean of the honest reviews after it, over products with at least "
        f"{MIN_BEFORE} reviews before and {MIN_AFTER} after (lower is better; best in bold). "
        "Definitions: the docstring of `bench/prediction.py`.",
        "",
        header,
        "|---|---|---:|" + "---:|" * len(methods),
    ]
    for outcome in outcomes:
        values = {m: outcome.mae(m) for m in methods}
        best = min(v for v in values.values() if v == v)
        cells = [
            "n/a" if v != v else (f"**{v:.4f}**" if v == best else f"{v:.4f}")
            for v in values.values()
        ]
        lines.append(
            f"| {outcome.dataset} | {outcome.cut} | {outcome.products} | {' | '.join(cells)} |"
        )
    lines += ["", f"Run time: {seconds:.0f} s."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--no-trust", action="store_true", help="weights only (faster)")
    parser.add_argument("--before-tree", type=Path, help="also run the Candor at PATH")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the per-product errors here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    outcomes = []
    for name in args.datasets:
        outcome = evaluate(load(name), not args.no_trust, args.before_tree)
        outcomes.append(outcome)
        maes = ", ".join(f"{m} {outcome.mae(m):.4f}" for m in METHODS if outcome.errors[m])
        print(f"{name}: {outcome.products} products, cut {outcome.cut}: {maes}", file=sys.stderr)
    amazon = [o for o in outcomes if o.dataset in AMAZON]
    if len(amazon) > 1:
        outcomes.append(pooled(amazon, "amazon (pooled)"))
    command = ".venv/bin/python -m bench.prediction " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    text = markdown(outcomes, command.strip(), time.perf_counter() - started)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    if not args.no_docs:
        docs.write_section("prediction", text)


if __name__ == "__main__":
    main()
