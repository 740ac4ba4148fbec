"""The scoring pipeline as Ibis expressions: written once, run by DuckDB or Spark.

1. `normalize` turns one source file into review rows with one set of columns,
   whatever its schema and column types, plus ``valid`` and ``reason`` (why a row is
   rejected: the first failed check, naming the file's own column). Checks that the
   file's own statistics prove no row fails (`candor.pipeline.statistics`: no nulls,
   every star 1..5, every date in range) are left out of the pass.
2. `rejects` lists the bad rows: a pass over the rows that the engines skip when the
   files' statistics prove every check (``valid`` is then a constant).
3. `with_trust` joins the trust table on (see below).
4. `references`, the first pass over the valid reviews: per product, the time its
   reviews' ages count back from (`candor.ratings.sums.references`: its newest review
   whose trust counts, else its newest), and without --now the newest review's time,
   which is then ``now``.
5. `weighed` joins each valid row's product's numbers back on (its reference; for
   reviews.jsonl also its gate and scale, which `candor.ratings.score` gives) and adds
   each review's factors (`candor.ratings.weights` in columns): the purchase factor,
   counted trust, base weight and full recency. Helpful votes are read and checked (they
   are part of the input formats) but weigh nothing: they sort reviews, they do not
   weigh them (METHOD.md).
6. `book_sums`, the second pass: per product and star, the count and the sums of
   `candor.ratings.sums.BookSums` (the per-product ones are summed per star too, and
   added up afterwards). Sums are exact integers (in units of `sum_unit`), so that the
   result does not depend on the order in which threads or executors add them up.
7. `review_rows` is what reviews.jsonl holds per review, its weight made on the engine
   (`candor.ratings.weights.review_weights`).

Trust: `with_trust` takes an optional trust table (``review_id, trust, reasons``: a
float in [0, 1] and the reasons, a list of codes or a JSON text), left-joined on the row
(``_source, _line``) when the table has those columns, else on review_id; reviews it
does not list have trust 1 and no reasons. Without one (``--no-trust``) every review
has trust 1: the base weight equals the purchase factor and the evidence the count,
which are then not summed twice (`summed`).

A conformance test (tests/pipeline/test_score_conformance.py) pins these expressions to
`candor.ratings.sums.book_sums` and `candor.ratings.weights.review_weights`.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from candor.pipeline.engines import ROW_NUMBER, Engine
from candor.pipeline.sources import AMAZON, LINE_COLUMN, Source
from candor.pipeline.statistics import ColumnSummary, summarize
from candor.ratings import RatingConfig
from candor.ratings.sums import PER_BOOK, PER_STAR
from candor.ratings.weights import LEAST_TRUST, SECONDS_PER_DAY

MICROSECONDS = 1_000_000  # in a second: the unit of every time column on the engine
MICROSECONDS_PER_DAY = SECONDS_PER_DAY * MICROSECONDS
UNKNOWN = ColumnSummary(nulls=-1)  # a column without statistics: nothing is proven

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0", "")
QUOTED_LENGTH = 40  # characters of a bad value quoted in a reason
MAX_MILLISECONDS = 1e14  # about 3,000 years either side of 1970
MAX_COUNT = 1e15
EARLIEST_US = -2_208_988_800_000_000  # 1900-01-01 UTC
LATEST_US = 7_258_118_400_000_000  # 2200-01-01 UTC

# Sums are made of whole multiples of a unit (`sum_unit`, a power of two): integer sums
# are exact, so they do not depend on the order in which a multi-threaded or
# distributed engine adds the rows, and every run gives the same bits. The unit is the
# finest for which no sum can leave a signed 64-bit integer, given how many rows there
# are: engines then add in 64 bits (DuckDB's 128-bit sums cost a fifth of the pass).
SUM_BITS = 62  # a sum stays below 2 ** 62
FINEST_UNIT_EXPONENT = 54  # never finer than 2 ** -54 (a double's precision at weight 1)

# The sums of `candor.ratings.sums.BookSums` besides the counts, in its order.
SUMS = tuple(name for name in (*PER_STAR, *PER_BOOK) if name not in ("counts", "reference"))


def largest_summand(config: RatingConfig) -> float:
    """The most one review can add to any of the sums: its base weight is at most the
    larger purchase factor (trust and recency are at most 1), the sums of squares add
    that squared, and the evidence adds its trust."""
    purchase = max(config.verified_weight, config.unverified_weight)
    return max(1.0, purchase) ** 2


def sum_unit(rows: int, config: RatingConfig) -> float:
    """The unit the sums are made in for a pass over ``rows`` rows: ``rows`` times
    `largest_summand` must stay below 2 ** SUM_BITS. For 10 million rows and the
    default config (a review adds at most 1) that is 2 ** -38: every review's share of
    a sum is kept to 1e-11, and a rating moves by far less than 1e-9 stars.
    (A bound on each review's share, not on its size: a review whose trust is tiny,
    say 1e-6, is kept to 1e-5 of itself.)"""
    exponent = math.floor(SUM_BITS - math.log2(max(rows, 1) * largest_summand(config)))
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


def normalize(
    engine: Engine, source: Source, integer_products: bool, count_verified: bool = False
) -> ir.Table:
    """One source's rows with ROW_COLUMNS (bad rows too, with ``valid`` False).

    A file's verified-purchase flags are checked as input, but count as verified only
    with ``count_verified``: whoever made the file can set them (the threat model's
    "bought verified"), and a flag must never make a review weigh more than an honest
    reader's. The operator turns them on for a file from a shop whose orders they trust.
    """
    reading = _Reading.of(engine, source)
    names = NAMES[source.schema]
    # A row's reason is its first failed check, in the order the checks are added here.
    product = reading.column(names.product)
    reading.check(
        _missing(product),
        _literal(f"{names.product}: missing"),
        reading.summary(names.product).never_empty(),
    )
    reviewer_raw = reading.column(names.reviewer)
    # An empty reviewer is unknown (null), whatever the file format.
    reviewer = ibis.ifelse(_missing(reviewer_raw), ibis.null("string"), _text(reviewer_raw))
    star = _star(reading, names.rating)
    created_us, review_id = _created_and_id(engine, reading, names, reviewer, _text(product))
    verified = _verified(reading, names.verified)
    helpful = _helpful(reading, names.helpful)
    bad, reason = reading.verdict()
    return reading.table.select(
        _source=ibis.literal(source.index, "int64"),
        _line=reading.line.cast("int64"),
        review_id=review_id,
        product=product.cast("int64") if integer_products else _text(product),
        reviewer_id=reviewer,
        star=star,
        created_us=created_us.cast("int64"),
        verified=verified if count_verified else ibis.literal(False),
        # Checked as part of the input formats and passed to trust analysis; it weighs
        # nothing (`weighed` never reads it).
        helpful=helpful.cast("int64"),
        # Read only by trust analysis (null when the file has no such column, or when the
        # source was prepared without texts); engines prune them from the other queries.
        title=_text(reading.column("title")),
        text=_text(reading.column("text")),
        valid=~bad,
        reason=reason,
    )


@dataclass
class _Reading:
    """One source's table as `normalize` reads it: its columns, what the file's own
    statistics prove about them, and the checks a row must pass, in order."""

    table: ir.Table
    source: Source
    known: dict[str, ColumnSummary]
    checks: list[tuple[ir.BooleanValue, ir.StringValue]] = field(default_factory=list)

    @classmethod
    def of(cls, engine: Engine, source: Source) -> "_Reading":
        # Staged sources are text written here: their statistics prove nothing useful.
        known = {} if source.staged else summarize(source.parquet)
        return cls(engine.read_parquet(source.parquet), source, known)

    @property
    def line(self) -> ir.IntegerValue:
        """The row's line in the user's file (1-based)."""
        if self.source.staged:
            staged: ir.IntegerValue = self.table[LINE_COLUMN]
            return staged
        numbered: ir.IntegerValue = self.table[ROW_NUMBER] + 1
        return numbered

    def column(self, name: str) -> ir.Value:
        """The file's column ``name``, or a null text when the file has none."""
        if name in self.source.columns:
            return self.table[name]
        return ibis.null("string")

    def summary(self, name: str) -> ColumnSummary:
        return self.known.get(name, UNKNOWN)

    def check(self, condition: ir.BooleanValue, reason: ir.StringValue, proven: bool) -> None:
        """A row is bad when ``condition`` holds (or is null), unless the file's
        statistics have ``proven`` that it holds for no row."""
        if not proven:
            self.checks.append((condition, reason))

    def verdict(self) -> tuple[ir.BooleanValue, ir.StringValue]:
        """Whether a row is bad, and why: the reason of its first failed check."""
        if not self.checks:  # the statistics prove every row good
            return ibis.literal(False), ibis.null("string")
        failed = [(condition.fill_null(True), reason) for condition, reason in self.checks]
        bad: ir.BooleanValue = ibis.or_(*(condition for condition, _ in failed))
        return bad, ibis.cases(*failed)


def _star(reading: _Reading, name: str) -> ir.IntegerValue:
    """The rating column ``name`` as one byte (checked: present, a number, a whole
    number of stars 1..5).

    One byte: the group key of `star_sums` (a wider key makes its hash table slower),
    as files often store stars. 1..5 when valid; a bad value may be anything (null when
    it does not fit): try_cast, as an overflow would stop the engine.
    """
    rating_raw = reading.column(name)
    rating = _number(rating_raw)
    integer_rating = rating_raw.type().is_integer()
    rating_text = _text(rating_raw)
    stars = reading.summary(name)
    reading.check(_missing(rating_raw), _literal(f"{name}: missing"), stars.never_empty())
    reading.check(
        rating.isnull(),
        _bad(f"{name}: not a number", rating_text),
        rating_raw.type().is_numeric() and stars.complete,
    )
    whole_star = (
        rating_raw.between(1, 5) if integer_rating else rating.between(1, 5) & _whole(rating)
    )
    reading.check(
        ~whole_star.fill_null(False),
        _bad(f"{name}: not a whole number of stars 1..5", rating_text),
        integer_rating and stars.complete and stars.within(1, 5),
    )
    star: ir.IntegerValue = (rating_raw if integer_rating else rating).try_cast("int8")
    return star


def _created_and_id(
    engine: Engine,
    reading: _Reading,
    names: Names,
    reviewer: ir.StringValue,
    product: ir.StringValue,
) -> tuple[ir.IntegerValue, ir.StringValue]:
    """A row's time in microseconds since 1970 (checked: present, readable, between the
    years 1900 and 2199) and its review id (Amazon's files have none: it is built from
    ``reviewer``, ``product`` and the time)."""
    created_raw = reading.column(names.created)
    created_text = _text(created_raw)
    dates = reading.summary(names.created)
    reading.check(_missing(created_raw), _literal(f"{names.created}: missing"), dates.never_empty())
    if reading.source.schema == AMAZON:
        created_us, review_id, in_range = _amazon_created_and_id(reading, names, reviewer, product)
    else:
        created_us, review_id, in_range = _candor_created_and_id(engine, reading, names)
    reading.check(
        ~created_us.between(EARLIEST_US, LATEST_US),
        _bad(f"{names.created}: not between the years 1900 and 2199", created_text),
        in_range,
    )
    return created_us, review_id


def _amazon_created_and_id(
    reading: _Reading, names: Names, reviewer: ir.StringValue, product: ir.StringValue
) -> tuple[ir.IntegerValue, ir.StringValue, bool]:
    """An Amazon row's time (a whole number of milliseconds, checked) in microseconds,
    its review id ``reviewer:product:milliseconds`` (so the reviewer is checked present
    too), and whether the statistics prove every time in range."""
    created_raw = reading.column(names.created)
    dates = reading.summary(names.created)
    number = _number(created_raw)
    plausible = number.between(-MAX_MILLISECONDS, MAX_MILLISECONDS)
    milliseconds = ibis.ifelse(plausible & _whole(number), number, None)
    reading.check(
        milliseconds.isnull(),
        _bad(f"{names.created}: not a whole number of milliseconds", _text(created_raw)),
        created_raw.type().is_integer()
        and dates.complete
        and dates.within(-MAX_MILLISECONDS, MAX_MILLISECONDS),
    )
    whole_ms = milliseconds.cast("int64")
    reading.check(
        _missing(reading.column(names.reviewer)),
        _literal(f"{names.reviewer}: missing"),
        reading.summary(names.reviewer).never_empty(),
    )
    review_id = reviewer.concat(":", product, ":", whole_ms.cast("string"))
    in_range = created_raw.type().is_integer() and dates.within(
        EARLIEST_US / 1000, LATEST_US / 1000
    )
    return whole_ms * 1000, review_id, in_range


def _candor_created_and_id(
    engine: Engine, reading: _Reading, names: Names
) -> tuple[ir.IntegerValue, ir.StringValue, bool]:
    """A Candor row's time (a timestamp, a date or ISO 8601 text, checked) in
    microseconds, its review id (checked present), and whether the statistics prove
    every time in range."""
    created_raw = reading.column(names.created)
    dates = reading.summary(names.created)
    created_us = _microseconds(engine, created_raw)
    is_date = created_raw.type().is_timestamp() or created_raw.type().is_date()
    reading.check(
        created_us.isnull(),
        _bad(f"{names.created}: not an ISO 8601 date", _text(created_raw)),
        is_date and dates.complete,
    )
    review_raw = reading.column(names.review_id or "review_id")
    reading.check(
        _missing(review_raw),
        _literal(f"{names.review_id}: missing"),
        reading.summary(names.review_id or "review_id").never_empty(),
    )
    in_range = is_date and dates.microseconds_within(EARLIEST_US, LATEST_US)
    return created_us, _text(review_raw), in_range


def _verified(reading: _Reading, name: str) -> ir.BooleanValue:
    """The verified-purchase column ``name`` as a flag (checked: true or false)."""
    verified_raw = reading.column(name)
    verified = _boolean(verified_raw)
    reading.check(
        verified.isnull(),
        _bad(f"{name}: not true or false", _text(verified_raw)),
        # Booleans and numbers always convert (a missing flag is False).
        verified_raw.type().is_boolean() or verified_raw.type().is_numeric(),
    )
    return verified


def _helpful(reading: _Reading, name: str) -> ir.NumericValue:
    """The helpful-votes column ``name`` as a count (checked: a whole number >= 0)."""
    helpful_raw = reading.column(name)
    helpful, not_count = _count(helpful_raw)
    reading.check(
        not_count,
        _bad(f"{name}: not a whole number >= 0", _text(helpful_raw)),
        # Integers: missing counts as 0, so only a negative value is bad.
        helpful_raw.type().is_integer() and reading.summary(name).within(0, math.inf),
    )
    return helpful


def union(tables: Sequence[ir.Table]) -> ir.Table:
    first, *rest = tables
    return first.union(*rest) if rest else first


def rejects(rows: ir.Table) -> ir.Table:
    return rows.filter(~rows.valid).select("_source", "_line", "reason")


def with_trust(rows: ir.Table, trust: ir.Table | None) -> ir.Table:
    """``rows`` with each review's ``trust`` (a float in [0, 1]; 1 for reviews the trust
    table leaves out) and ``reasons`` (null for those) joined on; without a trust table,
    ``rows`` as they are (every trust is 1)."""
    if trust is None:
        return rows
    if "_line" in trust.columns:
        # Keyed by the row itself (a review id may occur twice in a corpus).
        found = trust.select(
            _trust_source=trust._source,
            _trust_line=trust._line,
            _trust=trust.trust,
            _reasons=trust.reasons,
        )
        joined = rows.left_join(
            found, (rows._source == found._trust_source) & (rows._line == found._trust_line)
        )
    else:
        found = trust.select(_trust_id=trust.review_id, _trust=trust.trust, _reasons=trust.reasons)
        joined = rows.left_join(found, rows.review_id == found._trust_id)
    return joined.select(
        *ROW_COLUMNS,
        trust=joined._trust.cast("float64").fill_null(1.0),
        reasons=joined._reasons,
    )


def references(rows: ir.Table, now_us: int | None) -> ir.Table:
    """The first pass: per product of the valid reviews, ``reference``, the time (in
    microseconds since 1970) its reviews' ages count back from: its newest review whose
    counted trust is above 0, or its newest when none is (`candor.ratings.sums.references`).
    Dates after ``now_us`` count as ``now_us``. Without ``now_us``, also ``newest``, the
    newest review's time (the same column as ``reference`` when there is no trust: then
    the caller reads ``reference``), whose maximum is ``now``.
    """
    valid = rows.filter(rows.valid)
    created = valid.created_us

    def clamped(moment: ir.IntegerValue) -> ir.IntegerValue:
        # The newest of the clamped dates is the clamped newest date.
        return moment if now_us is None else ibis.least(moment, ibis.literal(now_us, "int64"))

    newest = created.max()
    extra: dict[str, ir.Value] = {}
    if "trust" in valid.columns:
        counted = valid.trust >= LEAST_TRUST
        trusted = ibis.ifelse(counted, created, ibis.null("int64")).max()
        reference = ibis.coalesce(trusted, newest)
        if now_us is None:
            extra["newest"] = newest
    else:
        reference = newest
    return valid.group_by("product").aggregate(reference=clamped(reference), **extra)


def weighed(rows: ir.Table, books: ir.Table, config: RatingConfig) -> ir.Table:
    """Every row with its product's numbers (``books``: ``product``, ``reference`` and
    optionally ``gate`` and ``scale``, one row per product) and its factors:

    - ``_purchase``: the purchase factor;
    - ``_trust``: the counted trust (below `LEAST_TRUST`, 0), with a trust table;
    - ``_base``: the base weight, ``_purchase`` times ``_trust`` (helpful votes weigh
      nothing);
    - ``_recency``: the full recency, max(floor, 0.5 ** (age / half-life)), the age
      counted back from the product's reference (a review dated after it has age 0,
      as has one dated after now: the reference is at most now).

    Only valid rows: each has its product in ``books`` (an inner join, which engines
    run faster than an outer one).
    """
    valid = rows.filter(rows.valid)
    numbers = books.rename({"_book": "product"})
    extra = [name for name in ("gate", "scale") if name in numbers.columns]
    joined = valid.inner_join(numbers, valid.product == numbers._book)
    purchase = _purchase_factor(joined.verified, config)
    factors: dict[str, ir.Value] = {}
    if "trust" in joined.columns:
        counted = ibis.ifelse(joined.trust >= LEAST_TRUST, joined.trust, 0.0)
        factors.update(trust=joined.trust, reasons=joined.reasons, _trust=counted)
        base = purchase * counted
    else:
        base = purchase
    age_us = ibis.greatest(joined.reference - joined.created_us, 0)
    # 0.5 ** (age / half-life), as exp (cheaper than a power on DuckDB; same to 1e-15).
    per_microsecond = -math.log(2.0) / (config.half_life_days * MICROSECONDS_PER_DAY)
    recency = ibis.greatest(config.recency_floor, (age_us.cast("float64") * per_microsecond).exp())
    return joined.select(
        "_source",
        "_line",
        "review_id",
        "product",
        "reviewer_id",
        "star",
        *extra,
        _purchase=purchase,
        _base=base,
        _recency=recency,
        **factors,
    )


def _purchase_factor(verified: ir.BooleanValue, config: RatingConfig) -> ir.FloatingValue:
    """The verified-purchase factor: as arithmetic on the flag when that gives exactly
    the two weights (it does for 1 and 0.5), which engines run faster than a CASE."""
    high, low = config.verified_weight, config.unverified_weight
    if (high - low) * 1.0 + low == high and (high - low) * 0.0 + low == low:
        factor: ir.FloatingValue = verified.cast("float64") * (high - low) + low
        return factor
    return verified.ifelse(high, low)


def summed(with_trust: bool) -> tuple[str, ...]:
    """The `SUMS` the engine must add up; each of the others equals one it does, bit
    for bit, and the caller takes that one: without a trust table every trust is 1
    (``base`` is ``purchase``, ``evidence`` the count). Every sum adds a good part of
    the pass's cost (its term per row, its state per group), so there are no more than
    needed."""
    skipped = set() if with_trust else {"base", "evidence"}
    return tuple(name for name in SUMS if name not in skipped)


def book_sums(engine: Engine, weights: ir.Table, names: Sequence[str], unit: float) -> ir.Table:
    """The second pass: per product and star, ``counts`` and the sums ``names`` (of
    `SUMS`, as `candor.ratings.sums.book_sums` defines them) of the valid reviews
    (``weights`` is `weighed`) in ``unit``s (`sum_unit`: exact integer sums). The
    per-product sums are made per star too (the caller adds up a product's five).

    Long form (one row per product and star that has reviews): grouping on the pair
    with a few sums is two to three times cheaper than one row per product with five
    conditional sums per star, which every row would update.
    """
    recent = weights._recency * weights._base
    values: dict[str, ir.FloatingValue] = {
        "purchase": weights._purchase,
        "base": weights._base,
        "recent": recent,
        "recent_squares": recent * recent,
        "cross": recent * weights._base,
        "base_squares": weights._base * weights._base,
    }
    if "_trust" in weights.columns:
        values["evidence"] = weights._trust
    # Times a power of two: exact, the same floats as the sums' terms, in units.
    scale = 1.0 / unit
    sums = {name: engine.exact_sum(values[name] * scale) for name in names}
    return weights.group_by(["product", "star"]).aggregate(counts=weights.count(), **sums)


def review_rows(weights: ir.Table) -> ir.Table:
    """reviews.jsonl: one row per scored review, in input order; ``weights`` is
    `weighed` with each product's gate and scale. A review's weight is scale * (1 -
    gate * (1 - full recency)) * base weight (`candor.ratings.weights.review_weights`).

    ``reasons`` only with a trust table (null for reviews it leaves out); the writer
    shows an empty list otherwise.
    """
    weight = weights.scale * (1.0 - weights.gate * (1.0 - weights._recency)) * weights._base
    with_trust = "trust" in weights.columns
    trust = weights.trust if with_trust else ibis.literal(1.0, "float64")
    reasons = {"reasons": weights.reasons} if with_trust else {}
    return weights.order_by(["_source", "_line"]).select(
        "review_id",
        product_id=weights["product"].cast("string"),
        reviewer_id=weights.reviewer_id,
        trust=trust,
        weight=weight,
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
        # (a literal: a column the file lacks is a null literal, whose == wants one)
        return value.isnull() | (value == ibis.literal("", "string"))
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
