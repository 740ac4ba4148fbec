from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def stars(value: int | float | None) -> str:
    """Five star glyphs for a rating, rounded to the nearest whole star."""
    if value is None:
        return "☆☆☆☆☆"
    full = max(0, min(5, int(half_up(value, "1"))))
    return "★" * full + "☆" * (5 - full)


def half_up(value: float, step: str) -> Decimal:
    """Round as readers expect (2.25 -> 2.3), not half-to-even as format() does."""
    return Decimal(repr(float(value))).quantize(Decimal(step), rounding=ROUND_HALF_UP)


@register.filter
def one_decimal(value: float | None) -> str:
    return "" if value is None else str(half_up(value, "0.1"))


@register.filter
def signed(value: float) -> str:
    """A change in stars with its sign, using a true minus sign (U+2212) for typography."""
    text = f"{abs(value):.2f}"
    return ("\u2212" if value < 0 else "+") + text


@register.filter
def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
