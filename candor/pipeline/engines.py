"""Where the pipeline runs: DuckDB (in-process, the default) or Spark, through Ibis.

The only engine-specific code: connecting, reading one Parquet file with a row number
per row (DuckDB's ``file_row_number``; Spark's ``_metadata.row_index``), the name of
the function giving a timestamp's microseconds since 1970, the integer type whose sum
is exact, and (for DuckDB 2, whose cursor Ibis 12 cannot stream from) fetching Arrow
batches.
Everything after that is the same Ibis expressions (`candor.pipeline.expressions`).
Both run with the session time zone set to UTC, so a date without an offset is UTC.
"""

import itertools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

ENGINES = ("duckdb", "spark")


def _builtin_epoch_microseconds(name: str) -> Any:
    """An Ibis function calling the engine's own ``name``(timestamp) -> int64."""

    def function(moment: Any) -> Any:
        """Microseconds since 1970 UTC."""

    return ibis.udf.scalar.builtin(
        function, name=name, signature=((dt.Timestamp(timezone="UTC"),), dt.int64)
    )


# DuckDB's epoch_us is fast (its date_diff on TIMESTAMPTZ, Ibis's portable way, is not).
_EPOCH_MICROSECONDS = {
    "duckdb": _builtin_epoch_microseconds("epoch_us"),
    "spark": _builtin_epoch_microseconds("unix_micros"),
}
ROW_NUMBER = "_row_number"  # 0-based row of a Parquet file

REASONS = dt.Array(dt.Struct({"code": dt.string, "text": dt.string}))


def _from_json(text: Any, shape: Any) -> Any:
    """JSON text parsed to the type ``shape`` names (both engines' ``from_json``)."""


# reasons (JSON text) as a list of {code, text} structs, in each engine's type syntax.
_PARSE_REASONS = ibis.udf.scalar.builtin(
    _from_json, name="from_json", signature=((dt.string, dt.string), REASONS)
)
_REASONS_SHAPE = {
    "duckdb": '[{"code": "VARCHAR", "text": "VARCHAR"}]',
    "spark": "array<struct<code:string,text:string>>",
}


@ibis.udf.agg.builtin(name="sum_no_overflow")  # type: ignore[untyped-decorator]
def _sum_no_overflow(units: int) -> int:  # type: ignore[empty-body]
    """DuckDB's SUM in 64 bits (it returns the sum as HUGEINT)."""


BatchFunction = Callable[[Mapping[str, list[Any]]], Mapping[str, np.ndarray]]


def batch_udf(
    backend: str, function: BatchFunction, inputs: dt.Struct, output: dt.Struct
) -> Callable[[ir.StructValue], ir.StructValue]:
    """An Ibis scalar function running ``function`` on a batch of rows at a time, on the
    engine (``backend``: an Ibis backend's name). Its argument is a struct of
    ``inputs``; ``function`` gets each field as a Python list and returns one numpy
    array per field of ``output``.

    The flavour is the one engine-specific part: DuckDB runs a pyarrow UDF (Arrow
    arrays of up to 2,048 rows a call; it has no pandas UDFs), Spark a pandas UDF
    (Arrow batches of ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows in its
    Python workers; Ibis turns a pyarrow UDF into a row-at-a-time one there). Give
    inputs without nulls: DuckDB answers null for a null input without calling the
    function, Spark calls it.
    """
    names = list(output.names)
    signature = ((inputs,), output)
    if backend == "duckdb":

        def on_arrow(rows: pa.ChunkedArray) -> pa.StructArray:
            struct = rows.combine_chunks()
            fields = function({name: struct.field(name).to_pylist() for name in inputs.names})
            return pa.StructArray.from_arrays([pa.array(fields[n]) for n in names], names=names)

        udf: Callable[[ir.StructValue], ir.StructValue]
        udf = ibis.udf.scalar.pyarrow(on_arrow, signature=signature)
        return udf
    if backend == "pyspark":
        import pandas as pd

        def on_pandas(rows: pd.DataFrame) -> pd.DataFrame:
            fields = function({name: rows[name].tolist() for name in inputs.names})
            return pd.DataFrame({n: fields[n] for n in names})

        udf = ibis.udf.scalar.pandas(on_pandas, signature=signature)
        return udf
    raise ValueError(f"no batch UDFs on the {backend} backend")


def int64(value: ir.IntegerValue) -> ir.IntegerValue:
    """``value`` cast to a 64-bit integer by the engine, even where Ibis believes it is
    one already (and would drop the cast): DuckDB sums 64-bit integers as HUGEINT and
    keeps small literals as INTEGER, and a UDF declared over int64 arrays binds only to
    BIGINT ones."""
    result: ir.IntegerValue = ops.Cast(value, to=dt.int64).to_expr()
    return result


_KEPT = itertools.count(1)


def materialize(table: ir.Table) -> ir.Table:
    """``table`` computed once now and kept by its engine (DuckDB: a temporary table;
    Spark: a cached view, in memory and on disk), for a result read more than once
    whose computing is costly (Python UDFs). `release` drops it."""
    backend = ibis.get_backend(table)
    name = f"candor_kept_{os.getpid()}_{next(_KEPT)}"
    if backend.name == "duckdb":
        kept: ir.Table = backend.create_table(name, table, temp=True)
        return kept
    from pyspark import StorageLevel

    backend._run_pre_execute_hooks(table)  # registers the UDFs the query calls
    backend._session.sql(backend.compile(table)).createOrReplaceTempView(name)
    backend._session.catalog.cacheTable(name, StorageLevel.MEMORY_AND_DISK)
    backend._session.table(name).count()  # computed now, once
    kept = backend.table(name)
    return kept


def release(table: ir.Table) -> None:
    """Drop a table `materialize` kept, on DuckDB. Spark keeps it until the session
    ends (spilling it to disk if memory runs short): uncaching it would make Spark
    compute again, from the start, every cached table computed from it."""
    backend = ibis.get_backend(table)
    if backend.name == "duckdb":
        backend.drop_table(table.get_name(), force=True)


def arrow_table(backend: Any, table: pa.Table) -> ir.Table:
    """A table computed here in Python as a table of ``backend`` (an Ibis backend).

    Spark gets it as a DataFrame made straight from Arrow (Ibis's memtable would go
    through pandas)."""
    if backend.name == "duckdb":
        return ibis.memtable(table)
    name = f"candor_arrow_{os.getpid()}_{next(_KEPT)}"
    backend._session.createDataFrame(table).createOrReplaceTempView(name)
    result: ir.Table = backend.table(name)
    return result


@dataclass
class Engine:
    name: str
    backend: Any
    session: Any = None  # the SparkSession, for Spark
    _views: int = field(default=0)
    _tables: dict[Path, ir.Table] = field(default_factory=dict)

    def read_parquet(self, path: Path) -> ir.Table:
        """A Parquet file as an Ibis table, with its 0-based row number in ROW_NUMBER.

        Registered once per file (each registration reads the file's footer)."""
        table = self._tables.get(path)
        if table is None:
            table = self._tables[path] = self._register_parquet(path)
        return table

    def _register_parquet(self, path: Path) -> ir.Table:
        if self.name == "duckdb":
            table = self.backend.read_parquet(str(path), file_row_number=True)
            return table.rename({ROW_NUMBER: "file_row_number"})
        frame = self.session.read.parquet(str(path))
        frame = frame.select("*", frame["_metadata.row_index"].alias(ROW_NUMBER))
        self._views += 1
        name = f"candor_source_{os.getpid()}_{self._views}"
        frame.createOrReplaceTempView(name)
        return self.backend.table(name)

    def from_arrow(self, table: pa.Table) -> ir.Table:
        """A table computed here in Python (`arrow_table`) as a table of the engine."""
        return arrow_table(self.backend, table)

    def exact_sum(self, units: ir.FloatingValue) -> ir.IntegerValue:
        """The exact sum of ``units`` rounded to integers, as a 64-bit integer, for sums
        known to stay inside 64 bits (`expressions.sum_unit`). DuckDB's SUM of BIGINT
        would add in 128 bits to be safe, at a fifth of the pass's time: its 64-bit
        ``sum_no_overflow`` is safe here. Spark rounds a double to DECIMAL(38, 0) as
        DuckDB rounds it to BIGINT (half away from zero; a cast to BIGINT would
        truncate), so both engines add the same integers."""
        if self.name == "duckdb":
            total: ir.IntegerValue = _sum_no_overflow(units.try_cast("int64"))
            return total
        # (sum_unit keeps every sum inside 64 bits: the last cast never overflows)
        result: ir.IntegerValue = units.try_cast("decimal(38, 0)").sum().try_cast("int64")
        return result

    def epoch_microseconds(self, moment: ir.TimestampValue) -> ir.IntegerValue:
        """Microseconds since 1970 UTC of a UTC timestamp: the one function whose name
        differs between the engines (Ibis's portable ``delta`` is 25x slower on DuckDB)."""
        result: ir.IntegerValue = _EPOCH_MICROSECONDS[self.name](moment)
        return result

    def arrow_batches(self, expression: ir.Table, rows: int) -> pa.RecordBatchReader:
        """The rows of ``expression`` as a stream of Arrow batches of about ``rows`` rows."""
        if self.name == "duckdb":
            # Ibis 12's to_pyarrow_batches calls a cursor method DuckDB 2 no longer has;
            # the hooks register the expression's in-memory tables (`from_arrow`).
            self.backend._run_pre_execute_hooks(expression)
            relation = self.backend.con.sql(self.backend.compile(expression))
            reader: pa.RecordBatchReader = relation.to_arrow_reader(batch_size=rows)
            return reader
        return expression.to_pyarrow_batches(chunk_size=rows)

    def parse_reasons(self, text: ir.StringValue) -> ir.ArrayValue:
        """JSON text of ``[{"code", "text"}, ...]`` as a list of structs."""
        result: ir.ArrayValue = _PARSE_REASONS(text, _REASONS_SHAPE[self.name])
        return result

    def write_parquet(self, expression: ir.Table, target: str) -> None:
        """The rows of ``expression`` written as Parquet by the engine: one file on
        DuckDB; on Spark a folder of part files, replacing what was there."""
        if self.name == "duckdb":
            self.backend.to_parquet(expression, target)
        else:
            self.backend.to_parquet(expression, target, mode="overwrite")

    def set_partitions(self, rows: int, given: int | None) -> None:
        """Spark's shuffle partitions for a corpus of ``rows`` rows (`shuffle_partitions`)."""
        if self.name == "spark":
            parallelism = self.session.sparkContext.defaultParallelism
            count = shuffle_partitions(rows, given, parallelism)
            self.session.conf.set("spark.sql.shuffle.partitions", str(count))

    def close(self) -> None:
        if self.name == "duckdb":
            self.backend.disconnect()
        elif self.session is not None:
            self.session.stop()


SPARK_MISSING = (
    "--engine spark needs pyspark, which is not installed: "
    "pip install -e '.[spark]' (or bin/setup spark; Spark also needs Java 17)"
)
ROWS_PER_PARTITION = 1_000_000  # the reviews per Spark shuffle partition (`shuffle_partitions`)
MAX_PARTITIONS = 10_000
LAUNCHER_DEFAULT = "local[*]"  # spark.master when spark-submit was given none


class EngineUnavailable(Exception):
    """The engine asked for cannot run here (its package is not installed)."""


def require(name: str) -> None:
    """Raise EngineUnavailable, with the one line saying how to install it, when the
    engine ``name`` cannot be imported (pyspark is an optional extra)."""
    if name != "spark":
        return
    try:
        import pyspark.sql  # noqa: F401
    except ImportError as error:
        raise EngineUnavailable(SPARK_MISSING) from error


def connect(name: str, master: str | None = None, threads: int | None = None) -> Engine:
    if name == "duckdb":
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET TimeZone = 'UTC'")
        backend.raw_sql("SET enable_progress_bar = false")
        if threads:
            backend.raw_sql(f"SET threads = {int(threads)}")
        return Engine("duckdb", backend)
    if name == "spark":
        require("spark")
        return _connect_spark(master, threads)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {name!r}")


def pick_master(given: str | None, configured: str | None, cores: int) -> str | None:
    """The master to set on the Spark session: --master when given; else None (keep it)
    when one is configured already (spark-submit's --master, spark.master in
    spark-defaults.conf or PYSPARK_SUBMIT_ARGS, or a running session's); local mode on
    ``cores`` cores only when nothing says otherwise. ``local[*]`` counts as nothing:
    Spark's launcher fills it in when no master is given (and it means every core)."""
    if given:
        return given
    if configured and configured != LAUNCHER_DEFAULT:
        return None
    return f"local[{max(1, cores)}]"


def shuffle_partitions(rows: int, given: int | None, parallelism: int) -> int:
    """--partitions when given, else one partition per ROWS_PER_PARTITION reviews, and
    at least one per core of the cluster (``parallelism``)."""
    if given:
        return given
    wanted = -(-rows // ROWS_PER_PARTITION)
    return max(1, parallelism, min(wanted, MAX_PARTITIONS))


def _configured_master() -> str | None:
    """spark.master as Spark itself would find it: a running session's (a script run
    by spark-submit may have made one), else the JVM's configuration, where spark-submit
    puts its --master and spark-defaults.conf."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return str(active.sparkContext.master)
    SparkContext._ensure_initialized()  # starts or joins the JVM that holds the settings
    configured = SparkConf().get("spark.master", None)
    return None if configured is None else str(configured)


def _connect_spark(given_master: str | None, threads: int | None) -> Engine:
    from pyspark.sql import SparkSession

    configured = _configured_master()
    master = pick_master(given_master, configured, threads or os.cpu_count() or 2)
    builder = (
        SparkSession.builder.appName("candor score")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("CANDOR_SPARK_DRIVER_MEMORY", "4g"))
    )
    if master is not None:
        builder = builder.master(master)
    if (master or configured or "").startswith("local"):
        # The Python workers that run the UDFs (`batch_udf`) are this interpreter, with
        # candor installed; on a cluster PYSPARK_PYTHON names the executors' one.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = builder.getOrCreate()
    # Session settings: applied to a session spark-submit's script made, too.
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    session.sparkContext.setLogLevel("ERROR")
    return Engine("spark", ibis.pyspark.connect(session), session)
