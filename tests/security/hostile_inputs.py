"""Hostile inputs for every place that shows user text. Shared: import it from any test.

    from tests.security.hostile_inputs import HOSTILE_TEXTS, HOSTILE_FILES, assert_shown_literally

Each text is something a user could type into a form or an API field. A page passes when it
either shows the text literally (HTML-escaped, so no tag, script or handler it contains is live)
or refuses it with a clear validation error; never a 500. Each file is raw bytes an importer
may be handed; it passes when the import reports a clear error (file, line, reason) or loads
the readable rows, and never crashes.
"""

import html
import re
from dataclasses import dataclass

# Markup that would run or change the page if it were pasted in unescaped.
HTML_AND_SCRIPT = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">click</a>',
    "<style>body{display:none}</style>",
    "<iframe src=//evil.example></iframe>",
    "{{ 7*7 }} {% debug %}",  # template syntax must stay text
    "&lt;b&gt;already escaped&lt;/b&gt; &amp; &#x3C;",
]

# Control syntax of the formats Candor renders into: Typst (PDFs) and Markdown (essays).
TYPST_CONTROL = [
    '#import "/etc/passwd"',
    '#read("/etc/passwd")',
    '#set page(width: 1pt) #panic("boom")',
    "$ x^2 $ *bold* _emph_ `raw` <label> @ref // comment /* open",
    "\\ #{ } [ ] ] ] #let x = 1",
]
MARKDOWN_CONTROL = [
    "[click](javascript:alert(1))",
    "![img](https://evil.example/track.png)",
    "<details open ontoggle=alert(1)>",
    "# heading\n\n---\n\n> quote\n\n```\ncode\n```",
    "***__~~nested~~__*** [ref]: http://x \\",
]

# Text that is awkward rather than markup: direction overrides, zero-width, emoji, CRLF.
UNUSUAL_TEXT = [
    "\u202eevil\u202c right-to-left override",
    "zero\u200bwidth\u200djoiner\ufeff",
    "emoji 📚👍🏽 and combining é",
    "line one\r\nline two\rline three",
    "' OR 1=1 -- ; DROP TABLE reviews;",
]

NULL_BYTE = "before\x00after"
LONG_TEXT = "long " * 20_000  # 100,000 characters: past every limit Candor has

HOSTILE_TEXTS: list[str] = [
    *HTML_AND_SCRIPT,
    *TYPST_CONTROL,
    *MARKDOWN_CONTROL,
    *UNUSUAL_TEXT,
    NULL_BYTE,
    LONG_TEXT,
]

# Short enough to pass every length limit, so they must be shown, not refused.
SHOWABLE_TEXTS: list[str] = [
    text for text in HOSTILE_TEXTS if "\x00" not in text and len(text) <= 150
]


@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes


def _csv(*rows: bytes) -> bytes:
    return b"\n".join(rows) + b"\n"


# Bytes for importers: each named for what is wrong with it.
HOSTILE_FILES: list[HostileFile] = [
    HostileFile(
        "invalid-utf8.csv", _csv(b"user,isbn,ordered_at", b"\xff\xfe\xc3(,\x80,2024-01-01")
    ),
    HostileFile("latin1.csv", _csv(b"user,isbn,ordered_at", b"Jos\xe9,9780804721158,2024-01-01")),
    HostileFile(
        "null-bytes.csv", _csv(b"user,isbn,ordered_at", b"ow\x00ner,978\x000804721158,2024-01-01")
    ),
    HostileFile(
        "utf16.csv", "user,isbn,ordered_at\nowner,9780804721158,2024-01-01\n".encode("utf-16")
    ),
    HostileFile("empty.csv", b""),
    HostileFile("binary.csv", bytes(range(256)) * 4),
    HostileFile(
        "script-cells.csv",
        _csv(b"user,isbn,ordered_at", b"<script>alert(1)</script>,<b>,=cmd|' /C calc'!A0"),
    ),
    HostileFile(
        "unterminated-quote.csv", _csv(b"user,isbn,ordered_at", b'"owner,9780804721158,2024-01-01')
    ),
    HostileFile(
        "huge-field.csv",
        _csv(b"user,isbn,ordered_at", b"a" * 200_000 + b",9780804721158,2024-01-01"),
    ),
]


def assert_shown_literally(page_html: str, text: str) -> None:
    """Every line of the text is on the page HTML-escaped, and none of its markup is live.

    Lines are checked one by one because templates may turn line breaks into <br> or <p>.
    """
    for line in re.split(r"\r\n|\r|\n", text):
        if line.strip():
            escaped = html.escape(line.strip(), quote=True)
            assert escaped in page_html, f"{line[:60]!r} is not shown literally (escaped)"
            if "<" in line:
                assert line.strip() not in page_html, f"{line[:60]!r} was inserted as markup"
