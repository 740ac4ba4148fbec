"""RatingState to and from JSON-safe dicts, for storing a book's state in a database.

The tallies are exact integers that can exceed 64 bits, so they are written as
decimal strings. The weighting constants a state was built with are stored too:
reading a state under different constants is refused (the sums would be wrong),
and the caller rebuilds it from the reviews instead.
"""

from dataclasses import fields
from typing import Any

from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.state import RatingState
from candor.ratings.tally import Tally

TALLY_FIELDS = tuple(field.name for field in fields(Tally))  # in Tally's own order

FORMAT_VERSION = 1


def state_to_dict(state: RatingState) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "weighting": {name: getattr(state.config, name) for name in RatingConfig.WEIGHTING_FIELDS},
        "everyone": _tally_to_dict(state.everyone),
        "verified_only": _tally_to_dict(state.verified_only),
    }


def state_from_dict(data: dict[str, Any], config: RatingConfig = DEFAULT_CONFIG) -> RatingState:
    """The stored state; ValueError when it was built differently (rebuild it then)."""
    if data.get("version") != FORMAT_VERSION:
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
    return {
        field.name: [str(value) for value in getattr(tally, field.name)] for field in fields(Tally)
    }


def _tally_from_dict(data: dict[str, list[str]]) -> Tally:
    return Tally(*[tuple(map(int, data[name])) for name in TALLY_FIELDS])
