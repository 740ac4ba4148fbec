from django import template

from candor.catalog.money import format_price
from candor.catalog.site_urls import absolute_url
from candor.ratings.rounding import half_up as rounded

register = template.Library()


@register.filter
def stars(value: int | float | None) -> str:
    """Five star glyphs for a rating, rounded to the nearest whole star."""
    if value is None:
        return "☆☆☆☆☆"
    full = max(0, min(5, int(rounded(value, 0))))
    return "★" * full + "☆" * (5 - full)


@register.filter
def one_decimal(value: float | None) -> str:
    return "" if value is None else str(rounded(value, 1))


@register.filter
def two_decimals(value: float | None) -> str:
    return "" if value is None else str(rounded(value, 2))


@register.filter
def signed(value: float) -> str:
    """A shown change in stars with its sign, a true minus sign (U+2212) for typography;
    no sign on zero."""
    text = f"{abs(value):.2f}"
    if text == "0.00":
        return text
    return ("\u2212" if value < 0 else "+") + text


@register.filter
def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@register.filter
def price(book: object) -> str:
    """The book's price in its currency ("$45.00"); "" when it has none."""
    return format_price(getattr(book, "price", None), getattr(book, "currency", "") or "")


@register.filter
def edition_label(book: object) -> str:
    """How an edition is told from the work's other editions ("Paperback · German · 2019")."""
    from candor.catalog.edition_page import edition_label as label
    from candor.catalog.models import Book

    return label(book) if isinstance(book, Book) else ""


@register.filter
def language_name(tag: str) -> str:
    """A language tag in words ("de" → "German")."""
    from candor.catalog.edition_page import language_name as name

    return name(tag)


@register.simple_tag(takes_context=True)
def absolute(context: template.Context, path: str) -> str:
    """The full address of a path on this site (for links read off the page)."""
    return absolute_url(context["request"], path)
