"""RatingState to and from JSON-safe dicts, for storing a book's state in a database.

The tallies are exact integers that can exceed 64 bits, so they are written as
decimal strings. The weighting constants a state was built with are stored too:
reading a state under different constants is refused (the sums would be wrong),
and the caller rebuilds it from the reviews instead.

Format 2 leaves out a weighted stage's row when it equals the stage before it (e.g.
trust when no review of the tally has lost any, or helpful votes when none has a
vote): most stored months then hold half the numbers, which halves what a large
import sends to the database and what a page decodes. Format 1 (every row) is read.
"""

from dataclasses import fields
from typing import Any

from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.state import RatingState
from candor.ratings.tally import Tally

TALLY_FIELDS = tuple(field.name for field in fields(Tally))  # in Tally's own order

FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)


def state_to_dict(state: RatingState) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "weighting": {name: getattr(state.config, name) for name in RatingConfig.WEIGHTING_FIELDS},
        "everyone": _tally_to_dict(state.everyone),
        "verified_only": _tally_to_dict(state.verified_only),
    }


def state_from_dict(data: dict[str, Any], config: RatingConfig = DEFAULT_CONFIG) -> RatingState:
    """The stored state; ValueError when it was built differently (rebuild it then)."""
    if data.get("version") not in READ_VERSIONS:
        raise ValueError(f"state: unknown format version {data.get('version')!r}")
    stored = data.get("weighting", {})
    differing = [
        name for name in RatingConfig.WEIGHTING_FIELDS if stored.get(name) != getattr(config, name)
    ]
    if differing:
        raise ValueError(f"state: built with different {', '.join(differing)}; rebuild it")
    return RatingState(
        config, _tally_from_dict(data["everyone"]), _tally_from_dict(data["verified_only"])
    )


def _tally_to_dict(tally: Tally) -> dict[str, list[str]]:
    rows = tally.rows
    data = {TALLY_FIELDS[0]: [str(value) for value in rows[0]]}
    for position in range(1, len(rows)):
        # A stage equal to the one before it is left out (never the first, recency).
        if position == 1 or rows[position] != rows[position - 1]:
            data[TALLY_FIELDS[position]] = [str(value) for value in rows[position]]
    return data


def _tally_from_dict(data: dict[str, list[str]]) -> Tally:
    rows: list[tuple[int, ...]] = []
    for position, name in enumerate(TALLY_FIELDS):
        found = data.get(name)
        if found is None and position < 2:
            raise ValueError(f"state: no {name}")
        rows.append(rows[-1] if found is None else tuple(map(int, found)))
    return Tally(*rows)
