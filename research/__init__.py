"""research: how Candor's trust signals were trained and measured; not run by the product.

- `evaluate`: `candor evaluate`, the table of every labelled dataset's rows.
- `evaluate_text`: the text model's recipe measured fold by fold, with simple baselines.
- `evaluate_yelp`: behaviour, bursts and lockstep on the labelled Yelp metadata;
  ``--train-model`` refits the shipped behaviour combiner.
- `train_text`: retrains the shipped text model (``python -m research.train_text``).
- `synthetic`: small random corpora in Candor's schema or Amazon 2023's, for tests and
  benchmarks.

The product reads only what these write (the files in ``candor/trust/models/``).
"""
