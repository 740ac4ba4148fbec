"""Stage D of trust on the engine (docs/score.md, "Trust on the engine"): copied text
(`candor.trust.copies.copied_text`) as distributed MinHash LSH.

`duplicates.clusters` puts two texts in one cluster when a path of edges joins them, an
edge being the same signature or a candidate pair (`band_pairs` over one
representative per signature) that `duplicates.accepted` accepts. This module builds
that graph on the engine with the signal's own functions:

1. per review, in a batch UDF: its signature, the signature's key and its band keys
   (`duplicates.corpus_signatures`, `row_keys`, `band_keys`); texts too short to
   compare drop out; one representative per key, the first in input order;
2. band keys exploded to one row per representative and band, numbered in each bucket
   in key order (`band_pairs`' order); buckets of one drop out; each member is joined
   to the next ``WINDOW - 1`` members of its bucket: exactly `band_pairs`' candidates,
   at most ``WINDOW - 1`` per member and band, never the k^2 pairs of a big bucket.
   (Edges to one member per bucket would not do: A~B~C in one bucket with A and C
   apart is one cluster through B, and a star on A misses it.);
3. candidate pairs checked as `duplicates.accepted` does: both signatures joined on,
   a batch UDF gives MinHash's verdict (`estimated_verdicts`), which settles most;
   only for the borderline ones are the texts joined on, for `exact_passes`;
4. clusters by min-label propagation over the accepted edges, each pass a join and a
   group-by (a node takes the least label among its neighbours') and a pointer jump
   (then the label of its label), until a pass changes nothing;
5. the reviews of clusters of two or more, in batches of whole clusters, `collect`ed
   into a Python UDF that applies the stock-phrase rule and "which came first"
   (`copies.without_stock_phrases`, `copies.copies_in`); rows come back keyed by
   ``_source, _line``, and every other review gets a lone review's output.

Nothing per review reaches this process: one count per propagation pass and the number
of clustered reviews do. One engine task holds one batch of whole clusters.
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
from candor.pipeline.per_book import review_text
from candor.pipeline.per_reviewer import (
    KEY,
    batch_rows,
    first_seen_codes,
    reviewer_codes,
)
from candor.pipeline.stages import field_types, fields_of
from candor.trust.copies import copied_text, copies_in, copy_output, without_stock_phrases
from candor.trust.duplicates import (
    NUM_PERM,
    THRESHOLD,
    WINDOW,
    band_keys,
    corpus_signatures,
    estimated_verdicts,
    exact_passes,
    lsh_params,
    row_keys,
)
from candor.trust.table import Reviews

ROWS_PER_BATCH = 200_000  # clustered reviews per batch of clusters (a bigger cluster is one)
BANDS, ROWS = lsh_params(THRESHOLD, NUM_PERM)
_TOP_BIT = np.uint64(1 << 63)  # flipped, int64 order is the unsigned order of the key

TEXT = dt.Struct({"text": dt.string})
SIGNATURE = dt.Struct(
    {"eligible": dt.boolean, "rep": dt.int64, "signature": dt.binary, "bands": dt.Array(dt.int64)}
)
SIGNATURES = dt.Struct({"signature_a": dt.binary, "signature_b": dt.binary})
VERDICT = dt.Struct({"sure": dt.boolean, "borderline": dt.boolean})
TEXTS = dt.Struct({"text_a": dt.string, "text_b": dt.string})
EDGE = dt.Struct({"edge": dt.boolean})
MEMBER: dict[str, dt.DataType] = {
    "_source": dt.int64,
    "_line": dt.int64,
    "label": dt.int64,
    "text": dt.string,
    "created_us": dt.int64,
    "known": dt.boolean,
    "reviewer": dt.string,
    "product": dt.string,
}
"""The columns of a clustered review that its batch of clusters collects."""


class Kept:
    """Tables computed once and kept on the engine until `release`: on DuckDB temporary
    tables (Ibis's ``cache``); on Spark local checkpoints, because a cached Spark table
    keeps the plan it came from, and label propagation's plans, nested pass after pass,
    soon grow too big to print into the driver's heap (a cache ran out of 1 GB at the
    second pass)."""

    def __init__(self) -> None:
        self.tables: list[ir.Table] = []
        self._frames: dict[str, Any] = {}  # Spark's checkpoints by view name
        self._made = 0

    def __call__(self, table: ir.Table) -> ir.Table:
        backend = ibis.get_backend(table)
        backend._run_pre_execute_hooks(table)  # registers the UDFs the table calls
        if backend.name != "pyspark":
            kept = table.cache()
        else:
            frame = backend._session.sql(backend.compile(table)).localCheckpoint()
            self._made += 1
            name = f"candor_kept_{id(self)}_{self._made}"
            frame.createOrReplaceTempView(name)
            self._frames[name] = frame
            kept = backend.table(name)
        self.tables.append(kept)
        return kept

    def release(self, *tables: ir.Table) -> None:
        """Frees ``tables`` (every one but the last kept when none are given)."""
        for table in tables or self.tables[:-1]:
            name = table.get_name()
            frame = self._frames.pop(name, None)
            if frame is None:
                table.release()
            else:
                frame.sparkSession.catalog.dropTempView(name)
                frame.unpersist()
            self.tables.remove(table)


def signature_fields(batch: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Per review of a batch (its `review_text`): whether it is compared at all
    (``eligible``), its signature's key (``rep``: `row_keys` with the top bit flipped,
    so that ordering the int64 orders the keys as `clusters` does), the signature
    (bytes) and its `band_keys`; zero and empties for the others."""
    sig, eligible = corpus_signatures(batch["text"])
    n = len(eligible)
    rep = np.zeros(n, dtype=np.int64)
    rep[eligible] = (row_keys(sig) ^ _TOP_BIT).view(np.int64)
    keys = band_keys(sig, BANDS, ROWS).view(np.int64)
    signature = [b""] * n
    bands = [np.zeros(0, dtype=np.int64)] * n
    for k, i in enumerate(np.flatnonzero(eligible).tolist()):
        signature[i] = sig[k].tobytes()
        bands[i] = keys[k]
    return {"eligible": eligible, "rep": rep, "signature": signature, "bands": bands}


def verdict_fields(batch: Mapping[str, Sequence[bytes]]) -> dict[str, np.ndarray]:
    """`duplicates.estimated_verdicts` on a batch of candidate pairs' signatures."""
    a, b = (
        np.frombuffer(b"".join(batch[name]), dtype=np.uint32).reshape(-1, NUM_PERM)
        for name in ("signature_a", "signature_b")
    )
    sure, borderline = estimated_verdicts(a, b)
    return {"sure": sure, "borderline": borderline}


def edge_fields(batch: Mapping[str, Sequence[str]]) -> dict[str, np.ndarray]:
    """`duplicates.exact_passes` on a batch of borderline pairs' texts."""
    return {"edge": exact_passes(batch["text_a"], batch["text_b"])}


def signatures(reviews: ir.Table) -> ir.Table:
    """The reviews whose texts are compared, with ``rep``, ``signature`` and ``bands``
    (`signature_fields`) and the columns `MEMBER` but ``label``."""
    function = batch_udf(ibis.get_backend(reviews).name, signature_fields, TEXT, SIGNATURE)
    text = review_text(reviews.title, reviews.text)
    found = function(ibis.struct({"text": text}))
    table = reviews.select(
        *KEY,
        text=text,
        created_us=int64(reviews.created_us),
        known=reviews.reviewer_id.notnull(),
        reviewer=reviews.reviewer_id.fill_null(""),
        product=reviews["product"].cast("string"),
        **{name: found[name] for name in SIGNATURE.names},
    )
    return table.filter(table.eligible).drop("eligible")


def representatives(compared: ir.Table) -> ir.Table:
    """One row per signature key: the first review with it in input order."""
    ranked = compared.mutate(_first=ibis.row_number().over(group_by="rep", order_by=list(KEY)))
    return ranked.filter(ranked["_first"] == 0).select("rep", "signature", "bands", "text")


def candidates(reps: ir.Table) -> ir.Table:
    """``a, b``: the pairs of representatives `band_pairs` gives in some band: in each
    bucket (band and key) in ``rep`` order, every member with the next ``WINDOW - 1``."""
    keyed = reps.select("rep", key=reps.bands).unnest("key", offset="band")
    bucket = {"group_by": ["band", "key"]}
    keyed = keyed.mutate(
        pos=ibis.row_number().over(order_by="rep", **bucket), size=keyed.count().over(**bucket)
    )
    keyed = keyed.filter(keyed.size >= 2)
    ahead = keyed.filter(keyed.pos < keyed.size - 1)
    ahead = ahead.mutate(gap=ibis.range(1, ibis.least(WINDOW, ahead.size - ahead.pos)))
    ahead = ahead.unnest("gap")
    ahead = ahead.select("band", "key", a="rep", target=ahead.pos + ahead.gap)
    behind = keyed.select("band", "key", b="rep", target="pos")
    return ahead.join(behind, ["band", "key", "target"]).select("a", "b").distinct()


def _ends(pairs: ir.Table, reps: ir.Table, column: str) -> ir.Table:
    """``pairs`` with ``column`` of representative ``a`` and of ``b`` joined on."""
    for end in "ab":
        side = reps.select(**{f"rep_{end}": "rep", f"{column}_{end}": column})
        pairs = pairs.join(side, pairs[end] == side[f"rep_{end}"]).drop(f"rep_{end}")
    return pairs


def edges(reps: ir.Table, keep: "Kept") -> ir.Table:
    """``a, b``: the candidate pairs `duplicates.accepted` accepts: MinHash settles most
    (a UDF over both signatures), the texts are joined on for the borderline ones only."""
    backend = ibis.get_backend(reps).name
    pairs = _ends(candidates(reps), reps, "signature")
    estimate = batch_udf(backend, verdict_fields, SIGNATURES, VERDICT)
    verdict = estimate(ibis.struct({name: pairs[name] for name in SIGNATURES.names}))
    judged = pairs.select("a", "b", sure=verdict["sure"], borderline=verdict["borderline"])
    judged = keep(judged.filter(judged.sure | judged.borderline))
    unsure = _ends(judged.filter(judged.borderline), reps, "text")
    exact = batch_udf(backend, edge_fields, TEXTS, EDGE)
    checked = unsure.select(
        "a", "b", edge=exact(ibis.struct({n: unsure[n] for n in TEXTS.names}))["edge"]
    )
    sure = judged.filter(judged.sure).select("a", "b")
    return sure.union(checked.filter(checked.edge).select("a", "b"))


def components(found: ir.Table, keep: Kept) -> tuple[ir.Table, int]:
    """``node, label`` for every end of an edge in ``found`` (equal labels: connected)
    and the number of passes. Each pass a node takes the least label among its own and
    its neighbours', then the label of that label; labels only fall and stay nodes of
    their component, and when a pass changes nothing, the two ends of every edge have
    one label. One count per pass reaches this process."""
    both = keep(found.select(node="a", other="b").union(found.select(node="b", other="a")))
    labels = keep(
        both.group_by("node").aggregate(label=ibis.least(both.node.min(), both.other.min()))
    )
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
        keep.release(labels, step)
        labels = jumped
        changed = jumped.filter(jumped.label != jumped.before).count().to_pyarrow().as_py()
        if not changed:
            return labels.select("node", "label"), passes


def clustered(compared: ir.Table, labels: ir.Table) -> ir.Table:
    """The compared reviews in clusters of two or more, with their cluster's ``label``:
    their representative's, or the representative itself when it has no edge."""
    joined = compared.left_join(labels, compared.rep == labels.node)
    joined = joined.mutate(label=joined.label.fill_null(joined.rep))
    joined = joined.mutate(size=joined.count().over(group_by="label"))
    return joined.filter(joined.size >= 2).select(*MEMBER)


def copies_of_clusters(column: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`copied_text`'s rules on a batch of whole clusters (``column``: in input order):
    the stock-phrase rule, then which review came first in each cluster; its output as
    `fields_of` columns."""
    labels = without_stock_phrases(column["label"].astype(np.int64), column["text"].tolist())
    pairs = zip(column["known"].tolist(), column["reviewer"].tolist(), strict=True)
    accounts = [account if known else None for known, account in pairs]
    copied, size = copies_in(
        labels,
        np.floor_divide(column["created_us"].astype(np.int64), MICROSECONDS),
        reviewer_codes(pa.array(accounts, pa.string())),
        first_seen_codes(pa.array(column["product"], pa.string())),
    )
    return fields_of(copy_output(copied, size))


def alone() -> dict[str, np.ndarray]:
    """The `fields_of` columns of `copied_text` for one review alone."""
    return fields_of(copied_text(Reviews.of_texts(["a text"])))


def copies_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `copied_text` columns of every review, computed on the
    engine (see the module docstring). The clustered reviews' rows stay on the engine
    for the query that reads them."""
    keep = Kept()
    compared = keep(signatures(reviews))
    reps = keep(representatives(compared))
    labels, _ = components(keep(edges(reps, keep)), keep)
    members = keep(clustered(compared, labels))
    count = int(members.count().to_pyarrow().as_py())
    output = field_types(alone())
    batches = max(1, -(-count // ROWS_PER_BATCH))
    rows = keep(batch_rows(members, members.label, MEMBER, copies_of_clusters, output, batches))
    keep.release()  # all but the rows, computed by now
    lone = alone()
    every = reviews.select(*KEY).left_join(rows, list(KEY))
    return every.select(
        *KEY, **{name: every[name].fill_null(lone[name][0].item()) for name in output.names}
    )
