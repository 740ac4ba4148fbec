"""Turn an archived essay's HTML into essay Markdown (the one stored format).

Only structure an essay needs survives: paragraphs, headings, emphasis, block
quotes, lists, links and line breaks. Scripts, styles and unknown tags are dropped;
all text is escaped so it stays text (a "#" or "*" in the HTML is not markup).
"""

import re
from html.parser import HTMLParser

_ESCAPE = re.compile(r"([\\`*_\[\]<>#!|~&])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+=])")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "section", "article"}
_BREAK = "\x00br\x00"
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


def escape_text(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.quote_depth = 0
        self.lists: list[list[int | str]] = []  # [kind, counter]
        self.skipping = 0
        self.links: list[str] = []
        self.first_h1: str | None = None
        self.in_h1 = False

    # Paragraph-level structure
    def flush(self) -> None:
        text = " ".join("".join(self.current).split()).replace(f" {_BREAK} ", _BREAK)
        text = text.replace(_BREAK, "\\\n")
        self.current = []
        if not text:
            return
        if not self.prefix:
            text = _LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)
        quote = "> " * self.quote_depth
        self.blocks.append(quote + self.prefix + text)
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS or tag == "blockquote":
            self.flush()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag[0] == "h" and tag[1:].isdigit():
                self.prefix = "#" * int(tag[1:]) + " "
                self.in_h1 = tag == "h1"
            elif tag == "li" and self.lists:
                kind = self.lists[-1]
                if kind[0] == "ol":
                    kind[1] = int(kind[1]) + 1
                    self.prefix = f"{kind[1]}. "
                else:
                    self.prefix = "- "
        elif tag in ("ul", "ol"):
            self.flush()
            self.lists.append([tag, 0])
        elif tag in ("em", "i", "cite"):
            self.current.append("*")
        elif tag in ("strong", "b"):
            self.current.append("**")
        elif tag == "br":
            self.current.append(_BREAK)
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href)
            if href.startswith(("http://", "https://", "mailto:")):
                self.current.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS or tag == "blockquote":
            if self.in_h1 and tag == "h1" and self.first_h1 is None:
                self.first_h1 = " ".join("".join(self.current).split())
                self.current, self.prefix = [], ""
            self.in_h1 = False
            self.flush()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
        elif tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag in ("em", "i", "cite"):
            self.current.append("*")
        elif tag in ("strong", "b"):
            self.current.append("**")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href.startswith(("http://", "https://", "mailto:")):
                self.current.append(f"](<{href}>)")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(escape_text(data))


def html_to_markdown(html: str) -> tuple[str, str | None]:
    """(markdown, text of the first <h1> or None); that heading is left out of the body."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    converter.flush()
    title = converter.first_h1.replace("\\", "") if converter.first_h1 else None
    return "\n\n".join(converter.blocks) + "\n", title
