"""Trust signals that run on the engine, where the reviews are (docs/score.md, "Trust on
the engine"). Stage A, per review: the text classifier.

A signal computed on the engine is the same function `candor.trust.score.analyse` runs
(`candor.trust.text.text_signal`), called on a batch of rows at a time in the engine's
Python workers (`candor.pipeline.engines.batch_udf`); its `SignalOutput` travels back
as one column per feature, flag and number (`fields_of`), named ``KIND__NAME``, and is
rebuilt on the driver (`output_of`) for `analyse(..., computed=...)`. The text
signal's output for a review depends on that review's text alone, so how the engine
cuts the rows into batches changes nothing.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from candor.pipeline.engines import batch_udf
from candor.trust.score import TEXT_SIGNALS, review_text
from candor.trust.table import Reviews, SignalOutput
from candor.trust.text import TextModel, text_signal

SEPARATOR = "__"
KINDS = {"feature": dt.float64, "flag": dt.boolean, "number": dt.float64}
ENGINE_SIGNALS = (
    "new_accounts",
    "behaviour",
    "bursts",
    "lockstep",
    "changepoint",
    "relevance",
    "text",
)
"""The signals `candor score` can run on the engine (`engine_signals`); `analyse` runs
the others. Copies is built (`candor.pipeline.per_cluster`) but not here yet: on
generated corpora its candidate pairs cost far more on the engine than on one process
(docs/score.md, stage D)."""
READS: dict[str, tuple[str, ...]] = {"dense": ("bursts",)}
"""The signals whose output a signal reads in `analyse`: such a signal runs on the engine
only when they do too, or do not run at all; run on the driver, it gets their outputs
collected from the engine (`candor.pipeline.trust.driver_rows`)."""


def engine_signals(
    signals: Sequence[str], wanted: Sequence[str] = ENGINE_SIGNALS
) -> tuple[str, ...]:
    """Which of ``signals`` run on the engine: those in ``wanted`` that can (`READS`)."""
    there = [name for name in signals if name in wanted and name in ENGINE_SIGNALS]
    return tuple(
        name
        for name in there
        if all(read in there or read not in signals for read in READS.get(name, ()))
    )


def fields_of(output: SignalOutput) -> dict[str, np.ndarray]:
    """A signal's output as flat columns named ``SIGNAL__KIND__NAME`` (kind: feature,
    flag or number), e.g. ``text__feature__text_deceptive``."""
    parts: dict[str, Mapping[str, np.ndarray]] = {
        "feature": output.features,
        "flag": output.flags,
        "number": output.numbers,
    }
    return {
        SEPARATOR.join((output.name, kind, name)): values
        for kind, arrays in parts.items()
        for name, values in arrays.items()
    }


def field_types(fields: Mapping[str, np.ndarray]) -> dt.Struct:
    """The struct type of `fields_of` columns (float64 but for the boolean flags)."""
    return dt.Struct({field: KINDS[field.split(SEPARATOR)[1]] for field in fields})


def output_of(name: str, columns: pa.Table | Mapping[str, Sequence[Any]]) -> SignalOutput:
    """The `SignalOutput` of the signal ``name`` from its `fields_of` columns among
    ``columns`` (a table, or one sequence per column): the inverse of `fields_of`."""
    output = SignalOutput(name=name)
    parts: dict[str, dict[str, np.ndarray]] = {
        "feature": output.features,
        "flag": output.flags,
        "number": output.numbers,
    }
    names = columns.column_names if isinstance(columns, pa.Table) else list(columns)
    for field in names:
        signal, kind, key = [*field.split(SEPARATOR, 2), "", ""][:3]
        if signal == name and kind in parts:
            column = columns[field]
            values = (
                column.to_numpy(zero_copy_only=False)
                if isinstance(column, pa.ChunkedArray)
                else np.asarray(column)
            )
            parts[kind][key] = values.astype(bool if kind == "flag" else np.float64)
    return output


TEXT_INPUT = dt.Struct({"title": dt.string, "text": dt.string})


def text_fields(batch: Mapping[str, Sequence[str]]) -> dict[str, np.ndarray]:
    """`text_signal` on one batch of reviews (their titles and texts), as `fields_of`
    columns."""
    pairs = zip(batch["title"], batch["text"], strict=True)
    joined = [review_text(title, text) for title, text in pairs]
    return fields_of(text_signal(Reviews.of_texts(joined), TextModel.load()))


def text_type() -> dt.Struct:
    """The struct type of `text_fields`' columns, read off one run of the signal (so it
    follows whatever the signal returns)."""
    return field_types(text_fields({"title": [""], "text": ["a text of five words"]}))


def text_columns(reviews: ir.Table) -> dict[str, ir.Value]:
    """The text signal of each row of ``reviews`` (title and text columns), computed on
    the engine ``reviews`` belongs to: one named column per `text_type` field."""
    output = text_type()
    function = batch_udf(ibis.get_backend(reviews).name, text_fields, TEXT_INPUT, output)
    rows = ibis.struct({name: reviews[name].fill_null("") for name in TEXT_INPUT.names})
    signal = function(rows)
    return {field: signal[field] for field in output.names}


def engine_outputs(
    signals: Sequence[str], columns: pa.Table, has_text: bool
) -> Mapping[str, SignalOutput]:
    """The outputs of the ``signals`` that ran on the engine, from the collected
    ``columns`` (not the text signal when the corpus has no text: `analyse` skips it
    then)."""
    return {
        name: output_of(name, columns)
        for name in signals
        if name in ENGINE_SIGNALS and (has_text or name not in TEXT_SIGNALS)
    }
