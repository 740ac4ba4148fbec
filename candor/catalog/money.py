"""Prices as a reader of Candor's English pages expects them: "$45.00", "£12.99", "¥3,200".

Candor speaks US English, so amounts use its digits (a comma between thousands, a point
before the cents) whatever the currency; the symbol and the number of decimals are the
currency's. A currency not in the table is written with its ISO code ("SEK 45.00").
"""

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"

# ISO 4217 code -> (symbol written before the amount, digits after the point).
# Symbols shared by several currencies carry a country prefix, as US English writes them.
CURRENCIES: dict[str, tuple[str, int]] = {
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "GBP": ("£", 2),
    "JPY": ("¥", 0),
    "CNY": ("CN¥", 2),
    "CAD": ("CA$", 2),
    "AUD": ("A$", 2),
    "NZD": ("NZ$", 2),
    "HKD": ("HK$", 2),
    "INR": ("₹", 2),
    "KRW": ("₩", 0),
    "ILS": ("₪", 2),
    "BRL": ("R$", 2),
    "MXN": ("MX$", 2),
}


def amount_text(amount: Decimal, decimals: int) -> str:
    step = Decimal(1).scaleb(-decimals)
    return f"{amount.quantize(step, rounding=ROUND_HALF_UP):,.{decimals}f}"


def format_price(amount: Decimal | None, currency: str) -> str:
    """The price as shown on a book page; "" when the book has none."""
    if amount is None:
        return ""
    code = currency.strip().upper()
    if code in CURRENCIES:
        symbol, decimals = CURRENCIES[code]
        return f"{symbol}{amount_text(amount, decimals)}"
    text = amount_text(amount, 2)
    return f"{code}{NBSP}{text}" if code else text
