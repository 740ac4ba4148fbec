"""The scoring pipeline as Ibis expressions: written once, run by DuckDB or Spark.

1. `normalize` turns one source file into review rows with one set of columns,
   whatever its schema and column types, plus ``valid`` and ``reason`` (why a row is
   rejected: the first failed check, naming the file's own column). Checks that the
   file's own statistics prove no row fails (`candor.pipeline.statistics`: no nulls,
   every star 1..5, every date in range) are left out of the pass.
2. `weighed` adds each review's weight factors relative to a reference time (``now``,
   or a fixed anchor rescaled to ``now`` afterwards) as floats: ``recency =
   0.5 ** (age_days / half_life)``, the purchase factor, ``1 + helpful bonus`` and
   trust, and the cumulative weight of each explanation stage (recency; * purchase;
   * (1 + bonus); * trust). This is `candor.ratings.weights` in columns.
3. `star_sums` adds those weights up per product and star (and counts the reviews),
   in one pass that also counts the bad rows: the numbers of
   `candor.ratings.batch.StarSums`, which turns them into ratings. Weights are summed
   as exact integers (in units of `sum_unit`) so that the result does not depend on
   the order in which threads or executors add them up.
4. `rejects` lists the bad rows (run only when there are some); without --now,
   `newest_of_all` (every row valid: the maximum of each file's date column, which
   DuckDB reads from the Parquet statistics) or `newest_valid` finds the newest review
   (for text files `star_sums` keeps it per group instead); `review_rows` is what
   reviews.jsonl holds per review.

Trust: `weighed` takes an optional trust table (``review_id, trust, reasons``: a float
in [0, 1] and the reasons, a list of codes or a JSON text), left-joined on the row
(``_source, _line``) when the table has those columns, else on review_id; reviews it
does not list have trust 1 and no reasons. Without one (``--no-trust``) every review
has trust 1, the trust stage equals the helpful-votes stage and is not summed twice
(`summed_stages`).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from candor.pipeline.engines import ROW_NUMBER, Engine
from candor.pipeline.sources import AMAZON, LINE_COLUMN, Source
from candor.pipeline.statistics import ColumnSummary, summarize
from candor.ratings import RatingConfig
from candor.ratings.weights import SECONDS_PER_DAY

MICROSECONDS_PER_DAY = SECONDS_PER_DAY * 1_000_000
UNKNOWN = ColumnSummary(nulls=-1)  # a column without statistics: nothing is proven

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0", "")
QUOTED_LENGTH = 40  # characters of a bad value quoted in a reason
MAX_MILLISECONDS = 1e14  # about 3,000 years either side of 1970
MAX_COUNT = 1e15
EARLIEST_US = -2_208_988_800_000_000  # 1900-01-01 UTC
LATEST_US = 7_258_118_400_000_000  # 2200-01-01 UTC

# Weights are summed as whole multiples of a unit (`sum_unit`, a power of two): integer
# sums are exact, so they do not depend on the order in which a multi-threaded or
# distributed engine adds the rows, and every run gives the same bits. The unit is the
# finest for which no sum can leave a signed 64-bit integer, given how many rows there
# are: engines then add in 64 bits (DuckDB's 128-bit sums cost a fifth of the pass).
SUM_BITS = 62  # a sum stays below 2 ** 62
FINEST_UNIT_EXPONENT = 54  # never finer than 2 ** -54 (a double's precision at weight 1)
# Without --now, weights are first computed relative to this fixed time and then
# rescaled to the newest review's (one multiplication per sum), so one pass over the
# data suffices: 2020-01-01 UTC, in microseconds...
ANCHOR_US = 1_577_836_800_000_000
# ... when the newest review is within this many half-lives of it (12 years at the
# default half-life): then no weight there exceeds 2 ** 6 and rescaling keeps the
# precision. Otherwise the sums are made again at now.
ANCHOR_HALF_LIVES = 6.0


def sum_unit(rows: int, config: RatingConfig) -> float:
    """The unit weights are summed in for a pass over ``rows`` rows.

    The largest weight a valid review can have in a sum is 2 ** ANCHOR_HALF_LIVES times
    the largest purchase factor times the largest helpful factor (trust is at most 1);
    ``rows`` of them must stay below 2 ** SUM_BITS. For 10 million rows that is 2 ** -32:
    a weight of 1 is kept to 1e-10, and a rating moves by less than 1e-8 stars.
    """
    largest = (
        2.0**ANCHOR_HALF_LIVES
        * max(config.verified_weight, config.unverified_weight)
        * (1.0 + config.helpful_max_bonus)
    )
    exponent = math.floor(SUM_BITS - math.log2(max(rows, 1) * largest))
    return 2.0 ** -min(exponent, FINEST_UNIT_EXPONENT)


# The columns every normalized source has.
ROW_COLUMNS = (
    "_source",
    "_line",
    "review_id",
    "product",
    "reviewer_id",
    "star",
    "created_us",
    "verified",
    "helpful",
    "title",
    "text",
    "valid",
    "reason",
)


@dataclass(frozen=True)
class Names:
    """A schema's column names for each field (``review_id`` is None when built)."""

    review_id: str | None
    product: str
    reviewer: str
    rating: str
    created: str
    verified: str
    helpful: str


NAMES = {
    "candor": Names(
        "review_id",
        "product_id",
        "reviewer_id",
        "rating",
        "created_at",
        "verified_purchase",
        "helpful_votes",
    ),
    AMAZON: Names(
        None, "parent_asin", "user_id", "rating", "timestamp", "verified_purchase", "helpful_vote"
    ),
}


def product_is_integer(engine: Engine, sources: Sequence[Source]) -> bool:
    """True when every source's product column holds integers: group on them as such."""
    for source in sources:
        if source.staged:
            return False
        table = engine.read_parquet(source.parquet)
        if not table[NAMES[source.schema].product].type().is_integer():
            return False
    return True


def normalize(engine: Engine, source: Source, integer_products: bool) -> ir.Table:
    """One source's rows with ROW_COLUMNS (bad rows too, with ``valid`` False)."""
    table = engine.read_parquet(source.parquet)
    names = NAMES[source.schema]

    def column(name: str) -> ir.Value:
        if name in source.columns:
            return table[name]
        return ibis.null("string")

    line = table[LINE_COLUMN] if source.staged else table[ROW_NUMBER] + 1
    # Staged sources are text written here: their statistics prove nothing useful.
    known = {} if source.staged else summarize(source.parquet)
    checks: list[tuple[ir.BooleanValue, ir.StringValue]] = []

    def check(condition: ir.BooleanValue, reason: ir.StringValue, proven: bool) -> None:
        """A row is bad when ``condition`` holds (or is null), unless the file's
        statistics have ``proven`` that it holds for no row."""
        if not proven:
            checks.append((condition, reason))

    def summary(name: str) -> ColumnSummary:
        return known.get(name, UNKNOWN)

    product = column(names.product)
    product_text = _text(product)
    check(
        _missing(product),
        _literal(f"{names.product}: missing"),
        summary(names.product).never_empty(),
    )
    reviewer_raw = column(names.reviewer)
    # An empty reviewer is unknown (null), whatever the file format.
    reviewer_text = ibis.ifelse(_missing(reviewer_raw), ibis.null("string"), _text(reviewer_raw))

    rating_raw = column(names.rating)
    rating = _number(rating_raw)
    integer_rating = rating_raw.type().is_integer()
    numeric_rating = rating_raw.type().is_numeric()
    rating_text = _text(rating_raw)
    stars = summary(names.rating)
    check(_missing(rating_raw), _literal(f"{names.rating}: missing"), stars.never_empty())
    check(
        rating.isnull(),
        _bad(f"{names.rating}: not a number", rating_text),
        numeric_rating and stars.complete,
    )
    whole_star = (
        rating_raw.between(1, 5) if integer_rating else rating.between(1, 5) & _whole(rating)
    )
    check(
        ~whole_star.fill_null(False),
        _bad(f"{names.rating}: not a whole number of stars 1..5", rating_text),
        integer_rating and stars.complete and stars.within(1, 5),
    )

    created_raw = column(names.created)
    created_text = _text(created_raw)
    dates = summary(names.created)
    check(_missing(created_raw), _literal(f"{names.created}: missing"), dates.never_empty())
    if source.schema == AMAZON:
        number = _number(created_raw)
        plausible = number.between(-MAX_MILLISECONDS, MAX_MILLISECONDS)
        milliseconds = ibis.ifelse(plausible & _whole(number), number, None)
        check(
            milliseconds.isnull(),
            _bad(f"{names.created}: not a whole number of milliseconds", created_text),
            created_raw.type().is_integer()
            and dates.complete
            and dates.within(-MAX_MILLISECONDS, MAX_MILLISECONDS),
        )
        whole_ms = milliseconds.cast("int64")
        created_us = whole_ms * 1000
        user = reviewer_text
        check(
            _missing(column(names.reviewer)),
            _literal(f"{names.reviewer}: missing"),
            summary(names.reviewer).never_empty(),
        )
        review_id = user.concat(":", product_text, ":", whole_ms.cast("string"))
        in_range = created_raw.type().is_integer() and dates.within(
            EARLIEST_US / 1000, LATEST_US / 1000
        )
    else:
        created_us = _microseconds(engine, created_raw)
        is_date = created_raw.type().is_timestamp() or created_raw.type().is_date()
        check(
            created_us.isnull(),
            _bad(f"{names.created}: not an ISO 8601 date", created_text),
            is_date and dates.complete,
        )
        review_raw = column(names.review_id or "review_id")
        review_id = _text(review_raw)
        check(
            _missing(review_raw),
            _literal(f"{names.review_id}: missing"),
            summary(names.review_id or "review_id").never_empty(),
        )
        in_range = is_date and dates.microseconds_within(EARLIEST_US, LATEST_US)

    check(
        ~created_us.between(EARLIEST_US, LATEST_US),
        _bad(f"{names.created}: not between the years 1900 and 2199", created_text),
        in_range,
    )

    verified_raw = column(names.verified)
    verified = _boolean(verified_raw)
    check(
        verified.isnull(),
        _bad(f"{names.verified}: not true or false", _text(verified_raw)),
        # Booleans and numbers always convert (a missing flag is False).
        verified_raw.type().is_boolean() or verified_raw.type().is_numeric(),
    )

    helpful_raw = column(names.helpful)
    helpful, not_count = _count(helpful_raw)
    votes = summary(names.helpful)
    check(
        not_count,
        _bad(f"{names.helpful}: not a whole number >= 0", _text(helpful_raw)),
        # Integers: missing counts as 0, so only a negative value is bad.
        helpful_raw.type().is_integer() and votes.within(0, math.inf),
    )

    if checks:
        bad: ir.BooleanValue = ibis.or_(*(condition.fill_null(True) for condition, _ in checks))
        reason = ibis.cases(*((condition.fill_null(True), words) for condition, words in checks))
    else:  # the statistics prove every row good
        bad, reason = ibis.literal(False), ibis.null("string")
    key = product.cast("int64") if integer_products else product_text
    return table.select(
        _source=ibis.literal(source.index, "int64"),
        _line=line.cast("int64"),
        review_id=review_id,
        product=key,
        reviewer_id=reviewer_text,
        # One byte: the group key of `star_sums` (a wider key makes its hash table
        # slower), as files often store stars. 1..5 when valid; a bad value may be
        # anything (null when it does not fit): try_cast, as an overflow would stop
        # the engine.
        star=(rating_raw if integer_rating else rating).try_cast("int8"),
        created_us=created_us.cast("int64"),
        verified=verified,
        helpful=helpful.cast("int64"),
        # Read only by trust analysis (null when the file has no such column, or when the
        # source was prepared without texts); engines prune them from the other queries.
        title=_text(column("title")),
        text=_text(column("text")),
        valid=~bad,
        reason=reason,
    )


def union(tables: Sequence[ir.Table]) -> ir.Table:
    first, *rest = tables
    return first.union(*rest) if rest else first


def rejects(rows: ir.Table) -> ir.Table:
    return rows.filter(~rows.valid).select("_source", "_line", "reason")


def weighed(
    rows: ir.Table,
    reference_us: int,
    config: RatingConfig,
    trust: ir.Table | None = None,
    clamp: bool = True,
) -> ir.Table:
    """Every row with its stage weights (WEIGHTED_STAGES) relative to ``reference_us``.

    ``clamp``: a review after the reference counts as age 0 (the reference is ``now``).
    Rows that are not valid are kept (with ``valid`` False) so that one pass over the
    data both counts them and sums the good ones; `star_sums` keeps them apart.
    Adds ``review_trust`` and, with a trust table, ``reasons``.
    """
    if trust is not None and "_line" in trust.columns:
        # Keyed by the row itself (a review id may occur twice in a corpus).
        found = trust.select(
            _trust_source=trust._source,
            _trust_line=trust._line,
            _trust=trust.trust,
            _reasons=trust.reasons,
        )
        rows = rows.left_join(
            found, (rows._source == found._trust_source) & (rows._line == found._trust_line)
        )
    elif trust is not None:
        found = trust.select(_trust_id=trust.review_id, _trust=trust.trust, _reasons=trust.reasons)
        rows = rows.left_join(found, rows.review_id == found._trust_id)
    age_us = ibis.literal(reference_us, "int64") - rows.created_us
    if clamp:
        age_us = ibis.greatest(age_us, 0)
    # 0.5 ** (age / half-life), as exp (cheaper than a power on DuckDB; same to 1e-15).
    per_microsecond = -math.log(2.0) / (config.half_life_days * MICROSECONDS_PER_DAY)
    recency = (age_us.cast("float64") * per_microsecond).exp()
    purchase = _purchase_factor(rows.verified, config)
    bonus = ibis.ifelse(
        rows.helpful == 0,  # most reviews: no logarithm to take
        0.0,
        ibis.least(
            config.helpful_max_bonus,
            config.helpful_bonus_per_log * (rows.helpful + 1).cast("float64").ln(),
        ),
    )
    helpful_factor = purchase * (bonus + 1.0)
    extra: dict[str, ir.Value] = {}
    if trust is None:
        review_trust: ir.FloatingValue = ibis.literal(1.0, "float64")
        trust_factor: ir.FloatingValue = helpful_factor
    else:
        review_trust = rows._trust.cast("float64").fill_null(1.0)
        trust_factor = helpful_factor * review_trust
        # Reviews the trust table leaves out get no reasons (the writer shows []).
        extra["reasons"] = rows._reasons
    return rows.select(
        "_source",
        "_line",
        "review_id",
        "product",
        "reviewer_id",
        "star",
        "created_us",
        "valid",
        recency=recency,
        verified_purchase=recency * purchase,
        helpful_votes=recency * helpful_factor,
        trust=recency * trust_factor,
        review_trust=review_trust,
        # What multiplies recency in each later stage (`star_sums` scales recency once).
        _purchase=purchase,
        _helpful=helpful_factor,
        _trusted=trust_factor,
        **extra,
    )


def _purchase_factor(verified: ir.BooleanValue, config: RatingConfig) -> ir.FloatingValue:
    """The verified-purchase factor: as arithmetic on the flag when that gives exactly
    the two weights (it does for 1 and 0.5), which engines run faster than a CASE."""
    high, low = config.verified_weight, config.unverified_weight
    if (high - low) * 1.0 + low == high and (high - low) * 0.0 + low == low:
        factor: ir.FloatingValue = verified.cast("float64") * (high - low) + low
        return factor
    return verified.ifelse(high, low)


def summed_stages(sources: Sequence[Source], with_trust: bool) -> tuple[str, ...]:
    """The WEIGHTED_STAGES whose sums can differ from the previous stage's, so must be
    summed: the others equal it bit for bit (their factor is exactly 1) and the caller
    reuses its sums. Without a trust table every trust is 1 (trust == helpful votes);
    without a helpful-votes column in any file every bonus is 0 (helpful votes ==
    verified purchase)."""
    stages = ["recency", "verified_purchase"]
    if any(NAMES[source.schema].helpful in source.columns for source in sources):
        stages.append("helpful_votes")
    if with_trust:
        stages.append("trust")
    return tuple(stages)


def star_sums(
    engine: Engine,
    weights: ir.Table,
    stages: Sequence[str],
    unit: float,
    newest: bool = False,
) -> ir.Table:
    """Per product and star: the count and the sum of the weights of each of ``stages``
    (`summed_stages`) in ``unit``s (`sum_unit`: exact integer sums, as floats); with ``newest``,
    the newest review's time too. Rows that are not valid are all counted under star 0
    (their product may be null), so the same pass counts them.

    Long form (one row per product and star that has reviews): grouping on the pair
    with a few sums is two to three times cheaper than one row per product with twenty
    (five stars times four stages) conditional sums, which every row would update.
    Every aggregate costs about as much as the grouping itself at a million groups, so
    there are no more than needed: stages equal to the previous one are not summed, and
    ``newest`` is only asked for when `newest_review` cannot find it more cheaply.
    """
    # Recency in units, then times each stage's factor: the same floats as each
    # stage's weight times the units (a power of two), with fewer multiplications.
    scaled = weights.recency * (1.0 / unit)
    values = {
        "recency": scaled,
        "verified_purchase": scaled * weights._purchase,
        "helpful_votes": scaled * weights._helpful,
        "trust": scaled * weights._trusted,
    }
    # Only sums that are used must be exact, and those stay inside 64 bits: a valid
    # review's weight exceeds what `sum_unit` allows for only when the newest review is
    # far from the anchor, and then the caller sums again at now (see
    # ANCHOR_HALF_LIVES). Bad rows' sums (star 0) are never used, only their count.
    sums = {stage: engine.exact_sum(values[stage]) for stage in stages}
    if newest:
        sums = {"newest": weights.created_us.max(), **sums}
    star = ibis.ifelse(weights.valid, weights.star, ibis.literal(0, "int8")).name("star")
    return weights.group_by(["product", star]).aggregate(counts=weights.count(), **sums)


def column_maximum_is_newest(engine: Engine, source: Source) -> bool:
    """Whether, when all of a source's rows are valid, its newest review's time comes
    from the maximum of its date column (`newest_of_all`): true for a file's own
    timestamps, dates and (Amazon) milliseconds, which engines can read from the
    file's statistics; false for text, which has to be parsed row by row."""
    created = NAMES[source.schema].created
    if source.staged or created not in source.columns:
        return False
    kind = engine.read_parquet(source.parquet)[created].type()
    if source.schema == AMAZON:
        return bool(kind.is_numeric())
    return bool(kind.is_timestamp() or kind.is_date())


def newest_of_all(engine: Engine, sources: Sequence[Source]) -> ir.IntegerScalar:
    """The newest review's time (microseconds since 1970) of sources whose rows are all
    valid and for which `column_maximum_is_newest`: the maximum of each date column,
    converted as `normalize` converts every value (the conversion keeps the order)."""
    latest = []
    for source in sources:
        table = engine.read_parquet(source.parquet)
        created = table[NAMES[source.schema].created]
        if source.schema == AMAZON:
            # Valid milliseconds are whole and below 1e14: exact as floats.
            value = created.max().cast("float64").cast("int64") * 1000
        else:
            value = _microseconds(engine, created.max())
        latest.append(table.aggregate(latest=value.cast("int64")))
    return union(latest).latest.max()


def newest_valid(rows: ir.Table) -> ir.IntegerScalar:
    """The newest valid review's time, from every row (when some rows are not valid)."""
    return rows.filter(rows.valid).created_us.max()


def review_rows(weights: ir.Table) -> ir.Table:
    """reviews.jsonl: one row per scored review, in input order.

    ``reasons`` only when a trust table was joined (null for reviews it leaves out);
    the writer shows an empty list otherwise.
    """
    reasons = {"reasons": weights.reasons} if "reasons" in weights.columns else {}
    weights = weights.filter(weights.valid)
    return weights.order_by(["_source", "_line"]).select(
        "review_id",
        product_id=weights["product"].cast("string"),
        reviewer_id=weights.reviewer_id,
        trust=weights.review_trust,
        weight=weights.trust,
        **reasons,
    )


# --- parsing helpers -------------------------------------------------------------------


def _literal(text: str) -> ir.StringValue:
    return ibis.literal(text, "string")


def _bad(prefix: str, value: ir.StringValue) -> ir.StringValue:
    quoted = value.substr(0, QUOTED_LENGTH)
    return _literal(f"{prefix} ('").concat(quoted, "')")


def _text(value: ir.Value) -> ir.StringValue:
    if value.type().is_string():
        return value
    return value.cast("string")


def _whole(number: ir.FloatingValue) -> ir.BooleanValue:
    """A whole number (Ibis's ``floor`` casts to int64, which overflows on 1e300)."""
    return (number % 1.0) == 0


def _missing(value: ir.Value) -> ir.BooleanValue:
    """Null, or (for text) empty.

    Text is trimmed when text files are staged, never here: Ibis's ``strip`` writes
    escapes that Spark SQL reads as letters (it would trim the "f" off "false").
    """
    if value.type().is_string():
        return value.isnull() | (value == "")
    return value.isnull()


def _number(value: ir.Value) -> ir.FloatingValue:
    kind = value.type()
    if kind.is_numeric():
        return value.cast("float64")
    return _text(value).try_cast("float64")


def _count(value: ir.Value) -> tuple[ir.NumericValue, ir.BooleanValue]:
    """A whole number >= 0 (missing counts as 0), and whether the value is not one.

    For a bad value the number is 0 (integers) or null, never one that would stop the
    engine later (a logarithm of a negative number). Integers need no CASE, which the
    engine would evaluate for every row even when the file's statistics prove the check
    true.
    """
    if value.type().is_integer():
        whole = value.cast("int64").fill_null(0)
        return ibis.greatest(whole, 0), whole < 0
    if value.type().is_numeric():
        number = value.cast("float64").fill_null(0.0)
    else:
        text = _text(value).nullif("")
        number = ibis.ifelse(text.isnull(), 0.0, text.try_cast("float64"))
    good = (number >= 0) & (number < MAX_COUNT) & _whole(number)
    count = ibis.ifelse(good, number, ibis.null("float64"))
    return count, count.isnull()


def _boolean(value: ir.Value) -> ir.BooleanValue:
    """True/False from a boolean, a number or a word; missing is False; else null (bad)."""
    kind = value.type()
    if kind.is_boolean():
        return value.fill_null(False)
    if kind.is_numeric():
        return (value != 0).fill_null(False)
    word = _text(value).lower().fill_null("")
    return ibis.cases(
        (word.isin(TRUE_WORDS), True),
        (word.isin(FALSE_WORDS), False),
        else_=ibis.null("boolean"),
    )


def _microseconds(engine: Engine, value: ir.Value) -> ir.IntegerValue:
    """Microseconds since 1970 UTC of a timestamp or an ISO 8601 text (null if not one)."""
    kind = value.type()
    if kind.is_timestamp():
        stamp = value if kind.timezone else value.cast(dt.Timestamp(timezone="UTC"))
    elif kind.is_date():
        stamp = value.cast(dt.Timestamp(timezone="UTC"))
    else:
        stamp = _text(value).try_cast(dt.Timestamp(timezone="UTC"))
    return engine.epoch_microseconds(stamp)
