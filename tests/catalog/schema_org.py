"""A small checker of schema.org JSON-LD for the types Candor's book pages use.

There is no internet here to run a validator against, so this file holds the part of the
schema.org vocabulary we use: for each type the properties it has (its own and those it
inherits from Thing, CreativeWork or Rating), the kinds of value each property takes, the
properties a rich result needs, and the few rules between properties that a validator
checks (a rating inside its scale, whole counts, an ISO currency code).
"""

import re
from datetime import date
from typing import Any

# Kinds of plain values, as schema.org names its data types.
TEXT, NUMBER, INTEGER, URL, DATE = "Text", "Number", "Integer", "URL", "Date"

THING = {
    "name": {TEXT},
    "description": {TEXT},
    "url": {URL},
    "alternateName": {TEXT},
    "image": {URL, "ImageObject"},
}
CREATIVE_WORK = {
    **THING,
    "author": {"Person", "Organization"},
    "editor": {"Person"},
    "translator": {"Person", "Organization"},
    "publisher": {"Person", "Organization"},
    "datePublished": {DATE},
    "alternativeHeadline": {TEXT},
    "headline": {TEXT},
    "inLanguage": {TEXT},
    "isPartOf": {"CreativeWork", "BookSeries", URL},
    "aggregateRating": {"AggregateRating"},
    "review": {"Review"},
    "offers": {"Offer"},
}
RATING = {
    **THING,
    "ratingValue": {NUMBER, TEXT},
    "bestRating": {NUMBER, TEXT},
    "worstRating": {NUMBER, TEXT},
    "author": {"Person", "Organization"},
    "ratingExplanation": {TEXT},
}
TYPES: dict[str, dict[str, set[str]]] = {
    "Book": {
        **CREATIVE_WORK,
        "isbn": {TEXT},
        "numberOfPages": {INTEGER},
        "bookEdition": {TEXT},
        "bookFormat": {URL},
        "illustrator": {"Person"},
    },
    "BookSeries": {**CREATIVE_WORK},
    "CreativeWork": {**CREATIVE_WORK},
    "Review": {
        **CREATIVE_WORK,
        "reviewRating": {"Rating"},
        "reviewBody": {TEXT},
        "itemReviewed": {"Book", "CreativeWork"},
    },
    "Rating": RATING,
    "AggregateRating": {
        **RATING,
        "ratingCount": {INTEGER},
        "reviewCount": {INTEGER},
        "itemReviewed": {"Book", "CreativeWork"},
    },
    "Person": {**THING, "givenName": {TEXT}, "familyName": {TEXT}},
    "Organization": {**THING},
    "Offer": {
        **THING,
        "price": {NUMBER, TEXT},
        "priceCurrency": {TEXT},
        "availability": {URL},
        "seller": {"Person", "Organization"},
    },
}
# What a search engine needs before it shows the item (one of each tuple is enough).
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "Book": [("name",)],
    "BookSeries": [("name",)],
    "Review": [("author",), ("reviewRating",)],
    "Rating": [("ratingValue",)],
    "AggregateRating": [("ratingValue",), ("ratingCount", "reviewCount")],
    "Person": [("name",)],
    "Organization": [("name",)],
    "Offer": [("price",), ("priceCurrency",)],
}
NUMBER_TEXT = re.compile(r"^-?\d+(\.\d+)?$")
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def plain_kind_fits(value: Any, kinds: set[str]) -> bool:
    if isinstance(value, bool):
        return False
    if INTEGER in kinds and isinstance(value, int):
        return True
    if NUMBER in kinds and isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    if URL in kinds and re.match(r"^https?://[^\s/]+", value):
        return True
    if DATE in kinds and ISO_DATE.match(value):
        return True
    return TEXT in kinds and bool(value.strip())


def number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and NUMBER_TEXT.match(value):
        return float(value)
    return None


def rating_rules(item: dict[str, Any], where: str) -> list[str]:
    """ratingValue inside [worstRating, bestRating] (schema.org's defaults are 1 and 5)."""
    value = number(item.get("ratingValue"))
    best = number(item.get("bestRating", 5))
    worst = number(item.get("worstRating", 1))
    if value is None or best is None or worst is None:
        return [f"{where}: ratingValue, bestRating and worstRating must be numbers"]
    if not worst <= value <= best:
        return [f"{where}: ratingValue {value} outside {worst}..{best}"]
    return []


def item_rules(kind: str, item: dict[str, Any], where: str) -> list[str]:
    errors = []
    if kind in ("Rating", "AggregateRating"):
        errors += rating_rules(item, where)
    for count in ("ratingCount", "reviewCount"):
        if count in item and (not isinstance(item[count], int) or item[count] < 0):
            errors.append(f"{where}.{count}: must be a whole number, not {item[count]!r}")
    if kind == "AggregateRating" and item.get("ratingCount") == 0:
        errors.append(f"{where}: a rating of no ratings")
    if kind == "Offer":
        if not CURRENCY.match(str(item.get("priceCurrency", ""))):
            errors.append(f"{where}.priceCurrency: not an ISO 4217 code")
        if number(item.get("price")) is None:
            errors.append(
                f"{where}.price: a number without a currency sign, not {item.get('price')!r}"
            )
    if "datePublished" in item:
        try:
            text = str(item["datePublished"])
            date.fromisoformat(text) if len(text) == 10 else int(text[:4])
        except ValueError:
            errors.append(f"{where}.datePublished: not an ISO 8601 date")
    return errors


def check(item: Any, allowed: set[str] | None = None, where: str = "$") -> list[str]:
    """Everything wrong with one JSON-LD item (and the items inside it); [] when valid."""
    if not isinstance(item, dict):
        return [f"{where}: expected an object"]
    kind = item.get("@type")
    if kind not in TYPES:
        return [f"{where}: unknown @type {kind!r}"]
    if allowed is not None and kind not in allowed:
        return [f"{where}: a {kind} where {sorted(allowed)} belongs"]
    errors: list[str] = []
    properties = TYPES[kind]
    for name, value in item.items():
        if name in ("@context", "@type", "@id"):
            continue
        if name not in properties:
            errors.append(f"{where}: {kind} has no property {name!r}")
            continue
        kinds = properties[name]
        for n, one in enumerate(value if isinstance(value, list) else [value]):
            path = f"{where}.{name}" + (f"[{n}]" if isinstance(value, list) else "")
            if isinstance(one, dict):
                errors += check(one, kinds & set(TYPES), path)
            elif not plain_kind_fits(one, kinds):
                errors.append(f"{path}: {one!r} is not one of {sorted(kinds)}")
    for needed in REQUIRED.get(kind, []):
        if not any(name in item for name in needed):
            errors.append(f"{where}: {kind} needs {' or '.join(needed)}")
    return errors + item_rules(kind, item, where)


def check_document(data: Any) -> list[str]:
    if not isinstance(data, dict) or data.get("@context") not in (
        "https://schema.org",
        "http://schema.org",
    ):
        return ["$: @context must be https://schema.org"]
    return check(data)
