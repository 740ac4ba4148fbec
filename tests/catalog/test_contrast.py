"""WCAG 2.1 AA contrast for the colours site.css sets: 4.5:1 for text, 3:1 for the stars,
the rating bars and the chart's line (graphics); and chart labels of a readable size.

The colours are read from the stylesheet itself, so changing a colour there is checked.
"""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "candor" / "static" / "candor" / "site.css"
TEXT, GRAPHIC = 4.5, 3.0
NAMED = {"white": "#ffffff", "black": "#000000"}


def rules(css: str) -> dict[str, dict[str, str]]:
    """{selector: {property: value}} for every plain rule (inside @media too)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, value in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            found.setdefault(" ".join(selector.split()), {}).update(declarations)
    return found


STYLES = rules(CSS.read_text())
VARIABLES = {k: v for k, v in STYLES[":root"].items() if k.startswith("--")}


def colour(value: str) -> str:
    """The hex colour a CSS value names: a var(), a hex or a named colour (the first
    colour of a shorthand like `1px solid #ccc`)."""
    for token in value.replace("!important", "").split():
        variable = re.fullmatch(r"var\((--[\w-]+)\)", token)
        if variable:
            return colour(VARIABLES[variable.group(1)])
        if re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", token):
            return token.lower()
        if token in NAMED:
            return NAMED[token]
    raise ValueError(f"no colour in {value!r}")


def prop(selector: str, name: str) -> str:
    style = STYLES[selector]
    if name == "background" and name not in style:
        name = "background-color"
    return colour(style[name])


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def var(name: str) -> str:
    return colour(VARIABLES[name])


# (what, foreground, background, minimum): every pairing the pages put on screen.
PAIRS = [
    ("body text on the page", var("--ink"), var("--bg"), TEXT),
    ("body text on a card", var("--ink"), var("--card"), TEXT),
    ("muted text on the page", var("--muted"), var("--bg"), TEXT),
    ("muted text on a card", var("--muted"), var("--card"), TEXT),
    ("links on the page", prop("a", "color"), var("--bg"), TEXT),
    ("links on a card", prop("a", "color"), var("--card"), TEXT),
    ("header text", prop(".site-header a", "color"), prop(".site-header", "background"), TEXT),
    ("plain buttons", prop("button", "color"), prop("button", "background"), TEXT),
    ("yellow buttons", prop("button", "color"), prop(".button", "background"), TEXT),
    ("buy button", prop(".button.buy", "color"), prop(".button.buy", "background"), TEXT),
    ("skip link", prop(".skip-link", "color"), prop(".skip-link", "background"), TEXT),
    ("messages", var("--ink"), prop(".messages li", "background"), TEXT),
    ("error messages", var("--ink"), prop(".messages li.error", "background"), TEXT),
    ("form errors", prop(".field-error", "color"), var("--bg"), TEXT),
    ("verified badge", prop(".badge.verified", "color"), var("--card"), TEXT),
    ("subtitle", prop(".book-heading .subtitle", "color"), var("--bg"), TEXT),
    ("review preview", var("--ink"), prop(".preview", "background"), TEXT),
    ("chart star labels", prop(".chart-y li", "color"), var("--card"), TEXT),
    ("chart month labels", prop(".chart-x", "color"), var("--card"), TEXT),
    ("stars on the page", prop(".stars", "color"), var("--bg"), GRAPHIC),
    ("stars on a card", prop(".stars", "color"), var("--card"), GRAPHIC),
    ("rating bar fill on its track", var("--star"), prop("progress", "background"), GRAPHIC),
    ("chart line", prop(".rating-chart .line", "stroke"), var("--card"), GRAPHIC),
]


@pytest.mark.parametrize(("what", "fg", "bg", "minimum"), PAIRS, ids=[p[0] for p in PAIRS])
def test_contrast_meets_wcag_aa(what: str, fg: str, bg: str, minimum: float) -> None:
    assert contrast(fg, bg) >= minimum, f"{what}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"


def test_every_rule_with_text_and_background_colours_is_readable() -> None:
    checked = 0
    for selector, style in STYLES.items():
        background = style.get("background-color") or style.get("background")
        if "color" not in style or not background:
            continue
        try:
            fg, bg = colour(style["color"]), colour(background)
        except ValueError:
            continue  # e.g. background: none
        checked += 1
        assert contrast(fg, bg) >= TEXT, f"{selector}: {fg} on {bg}"
    assert checked >= 5


def test_the_old_star_colour_would_fail() -> None:
    """The check can fail: #d98a00, the stars' colour before, is 2.8:1 on white."""
    assert contrast("#d98a00", "#ffffff") < GRAPHIC


def rem(value: str) -> float:
    number = re.fullmatch(r"([\d.]+)(rem|px)", value)
    assert number, value
    return float(number.group(1)) * (16 if number.group(2) == "rem" else 1)


@pytest.mark.parametrize("selector", [".chart-y li", ".chart-x", ".rating-chart-figure figcaption"])
def test_chart_labels_are_at_least_12px(selector: str) -> None:
    assert rem(STYLES[selector]["font-size"]) >= 12
