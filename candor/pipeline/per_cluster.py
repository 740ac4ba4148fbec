"""Stage D of trust on the engine (docs/score.md, "Trust on the engine"): copied text
(`candor.trust.copies.copied_text`) as distributed MinHash LSH.

`duplicates.clusters` puts two texts in one cluster when they are joined by a path of
edges, an edge being either the same signature or a candidate pair (`band_pairs` over
one representative per signature) that `duplicates.accepted` accepts. This module
builds that graph on the engine, with the signal's own functions:

1. per review, in a batch UDF: signature, its key (one representative per key, the
   first in input order) and its band keys (`duplicates.corpus_signatures`,
   `row_keys`, `band_keys`); texts too short to compare drop out;
2. band keys exploded to one row per representative and band, numbered in each bucket
   by key (`band_pairs`' order); buckets of one drop out; each member is joined to the
   next ``WINDOW - 1`` of its bucket: exactly `band_pairs`' candidates, at most
   ``WINDOW - 1`` per member and band, never all k^2 pairs of a big bucket. (Edges to
   one member per bucket would not do: A~B~C in one bucket with A and C apart is one
   cluster through B, and a star on A misses it.);
3. candidate pairs, with both signatures and texts joined on, checked in a batch UDF
   (`duplicates.accepted`);
4. clusters by min-label propagation over the accepted edges, each pass a join and a
   group-by (a node takes its neighbours' least label) and a pointer jump (the label of
   its label), until a pass changes nothing: about log2 of the longest chain, plus one;
5. the reviews of clusters of two or more, in batches of whole clusters, `collect`ed
   into a Python UDF that applies the stock-phrase rule and "which came first"
   (`copies.without_stock_phrases`, `copies.copies_in`); rows come back keyed by
   ``_source, _line``, and every other review gets a lone review's output.

Nothing per review reaches the driver: it sees one count per propagation pass and the
number of clustered reviews. One engine task sees one batch of whole clusters.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from candor.pipeline.engines import batch_udf, int64
from candor.pipeline.expressions import MICROSECONDS
from candor.pipeline.stages import field_types, fields_of
from candor.trust.copies import copied_text, copies_in, copy_output, without_stock_phrases
from candor.trust.duplicates import (
    NUM_PERM,
    THRESHOLD,
    WINDOW,
    accepted,
    band_keys,
    corpus_signatures,
    lsh_params,
    row_keys,
)
from candor.trust.score import review_text
from candor.trust.table import Reviews

KEY = ("_source", "_line")
ROWS_PER_BATCH = 200_000  # clustered reviews per batch of clusters (a bigger cluster is one)
BANDS, ROWS = lsh_params(THRESHOLD, NUM_PERM)
_SIGNED = np.uint64(1 << 63)  # flips the top bit: signed order of the result = unsigned order

TEXT_INPUT = dt.Struct({"title": dt.string, "text": dt.string})
SIGNATURE = dt.Struct(
    {
        "eligible": dt.boolean,
        "rep": dt.int64,
        "signature": dt.binary,
        "bands": dt.Array(dt.int64),
    }
)
PAIR_INPUT = dt.Struct(
    {
        "signature_a": dt.binary,
        "signature_b": dt.binary,
        "title_a": dt.string,
        "text_a": dt.string,
        "title_b": dt.string,
        "text_b": dt.string,
    }
)
EDGE = dt.Struct({"edge": dt.boolean})


def _texts(titles: Sequence[str], texts: Sequence[str]) -> list[str]:
    return [review_text(title, text) for title, text in zip(titles, texts, strict=True)]


def signature_fields(batch: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Per review of a batch: whether its text is compared at all (``eligible``), its
    signature's key (``rep``: `row_keys` with the top bit flipped, so that ordering the
    int64 orders the keys as `clusters` does), its signature (bytes) and its
    `band_keys`; zeros and empties for the others."""
    sig, eligible = corpus_signatures(_texts(batch["title"], batch["text"]))
    n = len(eligible)
    rep = np.zeros(n, dtype=np.int64)
    rep[eligible] = (row_keys(sig) ^ _SIGNED).view(np.int64)
    keys = band_keys(sig, BANDS, ROWS).view(np.int64)
    signature = [b""] * n
    bands = [np.zeros(0, dtype=np.int64)] * n
    for k, i in enumerate(np.flatnonzero(eligible).tolist()):
        signature[i] = sig[k].tobytes()
        bands[i] = keys[k]
    return {"eligible": eligible, "rep": rep, "signature": signature, "bands": bands}


def _matrix(signatures: Sequence[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(signatures), dtype=np.uint32).reshape(-1, NUM_PERM)


def edge_fields(batch: Mapping[str, Sequence[Any]]) -> dict[str, np.ndarray]:
    """`duplicates.accepted` on a batch of candidate pairs of representatives."""
    texts = (_texts(batch["title_a"], batch["text_a"]), _texts(batch["title_b"], batch["text_b"]))
    sig_a, sig_b = _matrix(batch["signature_a"]), _matrix(batch["signature_b"])
    return {"edge": accepted(sig_a, sig_b, texts)}


class _Kept:
    """Tables materialised on the engine, so that the steps after them read their rows,
    not their plans (Ibis's ``cache``: at once on DuckDB, on the first action that
    reads it on Spark); `release` frees them."""

    def __init__(self) -> None:
        self.tables: list[ir.Table] = []

    def __call__(self, table: ir.Table) -> ir.Table:
        backend = ibis.get_backend(table)
        if backend.name == "pyspark":
            # Ibis 12 caches on Spark without registering the UDFs the table calls
            backend._register_udfs(table)
        import time, logging; t0 = time.time()  # DEBUG
        cached = table.cache()
        logging.info("kept %s %.1f s", len(self.tables), time.time() - t0)  # DEBUG
        self.tables.append(cached)
        return cached

    def release(self, *tables: ir.Table) -> None:
        """Frees ``tables``."""
        for table in tables:
            table.release()
            self.tables = [kept for kept in self.tables if kept is not table]


def signatures(reviews: ir.Table, keep: _Kept) -> ir.Table:
    """The reviews whose texts are compared, with ``rep``, ``signature`` and ``bands``
    (`signature_fields`) and the columns the later steps read."""
    backend = ibis.get_backend(reviews).name
    function = batch_udf(backend, signature_fields, TEXT_INPUT, SIGNATURE)
    title, text = reviews.title.fill_null(""), reviews.text.fill_null("")
    found = function(ibis.struct({"title": title, "text": text}))
    table = reviews.select(
        *KEY,
        title=title,
        text=text,
        created_us=int64(reviews.created_us),
        product=reviews["product"].cast("string"),
        known=reviews.reviewer_id.notnull(),
        reviewer=reviews.reviewer_id.fill_null(""),
        **{name: found[name] for name in SIGNATURE.names},
    )
    return keep(table.filter(table.eligible).drop("eligible"))


def representatives(compared: ir.Table) -> ir.Table:
    """One row per signature key: the first review with it in input order."""
    first = ibis.row_number().over(group_by="rep", order_by=list(KEY))
    ranked = compared.mutate(_first=first)
    return ranked.filter(ranked["_first"] == 0).select("rep", "signature", "bands", "title", "text")


def candidates(reps: ir.Table) -> ir.Table:
    """``a, b``: the pairs of representatives `band_pairs` gives in some band: in each
    bucket (band and key) ordered by ``rep``, every member with the next ``WINDOW - 1``."""
    keyed = reps.select("rep", key=reps.bands).unnest("key", offset="band")
    bucket = {"group_by": ["band", "key"]}
    keyed = keyed.mutate(
        pos=ibis.row_number().over(order_by="rep", **bucket),
        size=keyed.count().over(**bucket),
    )
    keyed = keyed.filter(keyed.size >= 2)
    ahead = keyed.filter(keyed.pos < keyed.size - 1)
    ahead = ahead.mutate(gap=ibis.range(1, ibis.least(WINDOW, ahead.size - ahead.pos)))
    ahead = ahead.unnest("gap")
    ahead = ahead.select("band", "key", a="rep", target=ahead.pos + ahead.gap)
    behind = keyed.select("band", "key", b="rep", target="pos")
    pairs = ahead.join(behind, ["band", "key", "target"])
    return pairs.select("a", "b").distinct()


def edges(reps: ir.Table, keep: _Kept) -> ir.Table:
    """``a, b``: the candidate pairs `duplicates.accepted` accepts."""
    pairs = candidates(reps)
    side = {end: reps.rename(**{f"{c}_{end}": c for c in reps.columns}) for end in "ab"}
    pairs = pairs.join(side["a"], pairs.a == side["a"].rep_a)
    pairs = pairs.join(side["b"], pairs.b == side["b"].rep_b)
    function = batch_udf(ibis.get_backend(reps).name, edge_fields, PAIR_INPUT, EDGE)
    verdict = function(ibis.struct({name: pairs[name] for name in PAIR_INPUT.names}))
    checked = pairs.select("a", "b", edge=verdict["edge"])
    return keep(checked.filter(checked.edge).select("a", "b"))


def components(found: ir.Table, keep: _Kept) -> tuple[ir.Table, int]:
    """``node, label`` for every node of an edge (equal labels: connected), and the
    number of passes. Each pass: a node takes the least label among its own and its
    neighbours', then the label of that label (a jump along the chain); labels only
    fall and stay nodes of the same component, and when a pass changes nothing, the
    two ends of every edge have one label."""
    both = keep(found.select(node="a", other="b").union(found.select(node="b", other="a")))
    labels = keep(both.group_by("node").aggregate(label=ibis.least(both.node.min(), both.other.min())))
    passes = 0
    while True:
        passes += 1
        seen = both.join(labels, both.other == labels.node)
        low = seen.group_by(seen.node).aggregate(low=seen.label.min())
        step = labels.join(low, "node")
        step = keep(step.select("node", before="label", label=ibis.least(step.label, step.low)))
        target = step.select(at="node", jump="label")
        jumped = step.join(target, step.label == target.at)
        jumped = keep(jumped.select("node", "before", label="jump"))
        changed = jumped.filter(jumped.label != jumped.before).count().to_pyarrow().as_py()
        import logging; logging.info("pass %s changed %s", passes, changed)  # DEBUG
        labels = jumped
        if not changed:
            return labels.select("node", "label"), passes


def clustered(compared: ir.Table, labels: ir.Table) -> ir.Table:
    """The compared reviews in clusters of two or more, with their cluster's ``label``:
    their representative's, or the representative itself when it has no edge."""
    joined = compared.left_join(labels, compared.rep == labels.node)
    joined = joined.mutate(label=joined.label.fill_null(joined.rep))
    joined = joined.mutate(size=joined.count().over(group_by="label"))
    return joined.filter(joined.size >= 2).select(*KEY, *BATCH_COLUMNS[2:])


BATCH_COLUMNS = (*KEY, "label", "title", "text", "created_us", "known", "reviewer", "product")
_BATCH_TYPES = {"title": dt.string, "text": dt.string, "known": dt.boolean}
_BATCH_TYPES |= {"reviewer": dt.string, "product": dt.string}


def copies_of_clusters(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """`copied_text`'s rules on a batch of whole clusters (``columns``: one list per
    column, rows in no set order): the stock-phrase rule, then which review came first
    in each cluster; its output per review as ``{_source, _line, field: value}`` rows."""
    order = np.lexsort((np.asarray(columns["_line"]), np.asarray(columns["_source"])))
    column = {name: [values[i] for i in order.tolist()] for name, values in columns.items()}
    labels = np.asarray(column["label"], dtype=np.int64)
    labels = without_stock_phrases(labels, _texts(column["title"], column["text"]))
    from candor.pipeline.trust import _codes as first_seen_codes
    from candor.pipeline.trust import _reviewer_codes as reviewer_codes

    accounts = [r if k else None for r, k in zip(column["reviewer"], column["known"], strict=True)]
    reviewer = pa.chunked_array([pa.array(accounts, pa.string())])
    copied, size = copies_in(
        labels,
        np.floor_divide(np.asarray(column["created_us"], dtype=np.int64), MICROSECONDS),
        reviewer_codes(reviewer),
        first_seen_codes(pa.chunked_array([pa.array(column["product"], pa.string())])),
    )
    fields = fields_of(copy_output(copied, size))
    values = {name: array.tolist() for name, array in fields.items()}
    return [
        {**{k: column[k][i] for k in KEY}, **{f: values[f][i] for f in values}}
        for i in range(len(order))
    ]


def copies_type() -> dt.Struct:
    """The `fields_of` columns of `copied_text`, read off one run of it."""
    return field_types(fields_of(copied_text(Reviews.of_texts(["a text"]))))


def _clusters_udf(output: dt.Struct) -> Any:
    """The Python UDF running `copies_of_clusters` on one batch's collected columns."""
    rows = dt.Array(dt.Struct({"_source": dt.int64, "_line": dt.int64, **output.fields}))

    def copies_of_batch(  # one list per collected column
        _source: list[int],
        _line: list[int],
        label: list[int],
        title: list[str],
        text: list[str],
        created_us: list[int],
        known: list[bool],
        reviewer: list[str],
        product: list[str],
    ) -> list[dict[str, Any]]:
        given = (_source, _line, label, title, text, created_us, known, reviewer, product)
        return copies_of_clusters(dict(zip(BATCH_COLUMNS, given, strict=True)))

    inputs = (dt.Array(_BATCH_TYPES.get(name, dt.int64)) for name in BATCH_COLUMNS)
    return ibis.udf.scalar.python(copies_of_batch, signature=(tuple(inputs), rows))


def copies_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `copies_type` columns of every review, computed on the
    engine (see the module docstring)."""
    keep = _Kept()
    compared = signatures(reviews, keep)
    reps = keep(representatives(compared))
    labels, _ = components(edges(reps, keep), keep)
    members = keep(clustered(compared, labels))
    count = int(members.count().to_pyarrow().as_py())
    batches = max(1, -(-count // ROWS_PER_BATCH))
    members = members.mutate(_batch=(members.label.hash() % batches).abs())
    grouped = members.group_by("_batch").aggregate(
        **{name: members[name].collect() for name in BATCH_COLUMNS}
    )
    output = copies_type()
    run = _clusters_udf(output)
    found = grouped.select(_rows=run(*(grouped[name] for name in BATCH_COLUMNS)))
    found = keep(found.unnest("_rows").unpack("_rows"))
    found.count().to_pyarrow()  # computes the rows found (Spark caches on first use)
    keep.release(*keep.tables[:-1])  # and frees the rest
    alone = fields_of(copied_text(Reviews.of_texts(["a text"])))
    every = reviews.select(*KEY).left_join(found, list(KEY))
    return every.select(
        *KEY, **{name: every[name].fill_null(alone[name][0].item()) for name in output.names}
    )
