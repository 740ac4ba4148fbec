"""Hypothesis strategies for hostile text and bytes, shared by the fuzz tests."""

from hypothesis import strategies as st

# Fragments that break naive parsers: markup, script URLs, format control characters,
# quoting, numbers at the edges, and text that is not what the field expects.
FRAGMENTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "![i](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)",
    '<svg onload="alert(1)">',
    "&#106;avascript:alert(1)",
    "[^1]",
    "[^1]: note",
    "# ",
    "> ",
    "```",
    "*",
    "_",
    "|",
    '"',
    '""',
    ",",
    ";",
    "\n",
    "\r\n",
    "\x00",
    "\ufeff",
    "\u202e",
    "=cmd|' /C calc'!A0",
    "9780804721158",
    "0804721157",
    "978-0-8047-2115-8",
    "2024-02-30",
    "2024-03-05",
    "-1",
    "0",
    "3.5",
    "99999999999999999999999",
    "NaN",
    "1e309",
    "null",
    "{}",
    "[]",
    "#",
    "$",
    "@",
    "]",
    "x" * 6000,
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=6
).map("".join)

# Bytes that are not always valid UTF-8: a text, then possibly broken by raw bytes.
hostile_bytes = st.one_of(
    hostile_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.tuples(hostile_text, st.binary(min_size=1, max_size=8), hostile_text).map(
        lambda parts: (
            parts[0].encode("utf-8", "surrogatepass")
            + parts[1]
            + parts[2].encode("utf-8", "surrogatepass")
        )
    ),
)

# Any JSON value, nested a little.
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        hostile_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=6,
)
