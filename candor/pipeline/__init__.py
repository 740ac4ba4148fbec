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
  rows, weighing reviews, summing per product and star.
- `trust`: `CorpusTrust`, the trust source `candor score` uses unless --no-trust: collects
  the valid reviews' columns (text included), runs `candor.trust.score.analyse` with every
  signal, hands back trust and reasons per row.
- `output`: writes products.jsonl, reviews.jsonl and rejects.jsonl.
- `synthetic`, `benchmark`: random corpora; timing against a plain GROUP BY AVG.

The numbers come from `candor.ratings.batch.score`, the function the web page uses
(through `RatingState.result`), fed with per-product, per-star weight sums. The
catalogue prior of a run is `Prior.from_star_counts` over the raw star counts of every
scored review in the corpus.

With ``--engine spark --master URL`` the cluster must see INPUT and DIR at the same
paths (text files are staged to Parquet inside DIR before Spark reads them).
"""
