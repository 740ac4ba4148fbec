"""candor.pipeline: score a whole corpus of reviews without the web database.

    candor score INPUT --out DIR [--now ISO] [--engine duckdb|spark] [--master URL]
                 [--threads N] [--strict] [--no-trust]

No Django here: `candor score` is dispatched by candor/cli.py before Django is set up.

Modules, in the order a run uses them:

- `cli`: the command's arguments and exit status (0 done, 1 stopped by --strict,
  2 bad input or arguments).
- `run`: `score_corpus(Options)`, the steps, the progress bar and the `Summary`; the
  `TrustSource` seam for trust analysis.
- `sources`: finds the input files, tells Candor's schema from Amazon Reviews 2023 by
  the columns, stages CSV and JSON Lines to Parquet with line numbers.
- `engines`: connects DuckDB or Spark through Ibis; the little that differs per engine.
- `expressions`: the pipeline as Ibis expressions, the same for both engines: checking
  rows, each product's reference time, weighing reviews, summing per product and star.
- `trust`: `CorpusTrust`, the trust source `candor score` uses unless --no-trust: collects
  the valid reviews' columns (text included), runs `candor.trust.score.analyse` with every
  signal, hands back trust and reasons per row.
- `output`: writes products.jsonl, reviews.jsonl and rejects.jsonl.

The numbers come from `candor.ratings`, the code the web page uses: the engine makes
the sums of `candor.ratings.sums.BookSums` per product (two passes: each product's
reference time, then the sums), `candor.ratings.score.score` turns them into scores,
`candor.ratings.rating.results` into products.jsonl. The catalogue prior of a run is
`Prior.from_books` over the star mixes and evidence of every product of the corpus, as
the web does over its whole catalogue. Each review's weight is made on the engine with
its product's reference, gate and scale joined back (`candor.ratings.weights`).
tests/pipeline/test_score_conformance.py pins the engine's sums and weights to
`candor.ratings`. Random corpora for tests: `research.synthetic`; timing against a plain
GROUP BY AVG: `bench.score_baseline`.

With ``--engine spark --master URL`` the cluster must see INPUT and DIR at the same
paths (text files are staged to Parquet inside DIR before Spark reads them).
"""
