"""Essay Markdown: safe HTML for the web page and structured blocks for the PDF.

One parser (markdown-it-py with the footnote plugin, raw HTML disabled) feeds both
outputs, so the page and the PDF always agree on structure. The HTML is sanitised
again with nh3 because it is stored and served as trusted markup. The blocks are
plain JSON data for the Typst template: text never becomes Typst markup.
"""

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

Block = dict[str, Any]
Run = dict[str, Any]

_ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"section", "sup", "hr"}
_ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "a": {"href", "id", "class", "title"},
    "li": {"id", "class"},
    "sup": {"class"},
    "section": {"class"},
    "ol": {"class", "start"},
    "hr": {"class"},
}


def _parser() -> MarkdownIt:
    # "commonmark" with html off: a reviewer's <script> is shown as text, never run.
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["replacements", "smartquotes"])
    return md.use(footnote_plugin)


_MD = _parser()


def render_html(text: str) -> str:
    """The essay body as sanitised HTML, ready to store and serve."""
    return nh3.clean(
        _MD.render(text),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer nofollow",
    )


def to_document(text: str) -> dict[str, Any]:
    """The body as {"blocks": [...], "footnotes": {id: [blocks]}} for the PDF template.

    Blocks: heading (level, runs), paragraph (runs), blockquote (blocks), list
    (ordered, items: [[blocks]]), code (text), rule. Runs: {text, emph, strong, code,
    link} or {footnote: id} or {linebreak: true}.
    """
    footnotes: dict[str, list[Block]] = {}
    blocks, _ = _blocks(_MD.parse(text), 0, None, footnotes)
    return {"blocks": blocks, "footnotes": footnotes}


def _blocks(
    tokens: list[Token], i: int, end: str | None, footnotes: dict[str, list[Block]]
) -> tuple[list[Block], int]:
    blocks: list[Block] = []
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == end:
            return blocks, i + 1
        if kind == "heading_open":
            level = int(token.tag[1])
            blocks.append({"type": "heading", "level": level, "runs": runs(tokens[i + 1])})
            i += 3
        elif kind == "paragraph_open":
            blocks.append({"type": "paragraph", "runs": runs(tokens[i + 1])})
            i += 3
        elif kind == "blockquote_open":
            inner, i = _blocks(tokens, i + 1, "blockquote_close", footnotes)
            blocks.append({"type": "blockquote", "blocks": inner})
        elif kind in ("bullet_list_open", "ordered_list_open"):
            block, i = _list(tokens, i, footnotes)
            blocks.append(block)
        elif kind in ("fence", "code_block"):
            blocks.append({"type": "code", "text": token.content.rstrip("\n")})
            i += 1
        elif kind == "hr":
            blocks.append({"type": "rule"})
            i += 1
        elif kind == "footnote_block_open":
            i = _footnotes(tokens, i + 1, footnotes)
        else:  # anchors and other tokens that carry no content of their own
            i += 1
    return blocks, i


def _list(tokens: list[Token], i: int, footnotes: dict[str, list[Block]]) -> tuple[Block, int]:
    ordered = tokens[i].type == "ordered_list_open"
    close = "ordered_list_close" if ordered else "bullet_list_close"
    items: list[list[Block]] = []
    i += 1
    while tokens[i].type != close:
        item, i = _blocks(tokens, i + 1, "list_item_close", footnotes)
        items.append(item)
    return {"type": "list", "ordered": ordered, "items": items}, i + 1


def _footnotes(tokens: list[Token], i: int, footnotes: dict[str, list[Block]]) -> int:
    while tokens[i].type != "footnote_block_close":
        if tokens[i].type == "footnote_open":
            note_id = str(tokens[i].meta["id"])
            footnotes[note_id], i = _blocks(tokens, i + 1, "footnote_close", footnotes)
        else:
            i += 1
    return i + 1


def runs(inline: Token) -> list[Run]:
    """Inline content as styled text runs; adjacent runs of one style are merged."""
    out: list[Run] = []
    style = {"emph": 0, "strong": 0}
    links: list[str] = []
    for child in inline.children or []:
        kind = child.type
        if kind in ("em_open", "em_close", "strong_open", "strong_close"):
            name = "emph" if kind.startswith("em") else "strong"
            style[name] += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            links.append(str(child.attrs.get("href", "")))
        elif kind == "link_close":
            links.pop()
        elif kind == "footnote_ref":
            out.append({"footnote": str(child.meta["id"])})
        elif kind == "hardbreak":
            out.append({"linebreak": True})
        else:
            text = " " if kind == "softbreak" else _inline_text(child)
            if text:
                _append(out, text, style, links, code=kind == "code_inline")
    return out


def _inline_text(token: Token) -> str:
    if token.type == "image":
        return "".join(child.content for child in token.children or [])
    return token.content


def _append(out: list[Run], text: str, style: dict[str, int], links: list[str], code: bool) -> None:
    run: Run = {
        "text": text,
        "emph": style["emph"] > 0,
        "strong": style["strong"] > 0,
        "code": code,
        "link": links[-1] if links else None,
    }
    last = out[-1] if out else None
    if last is not None and "text" in last and _same_style(last, run) and not code:
        last["text"] += text
    else:
        out.append(run)


def _same_style(a: Run, b: Run) -> bool:
    return all(a[key] == b[key] for key in ("emph", "strong", "code", "link"))


def plain_text(blocks: list[Block]) -> str:
    """The words of some blocks, for summaries and word counts."""
    parts: list[str] = []
    for block in blocks:
        if "runs" in block:
            parts.append("".join(run.get("text", "") for run in block["runs"]))
        for inner in [block.get("blocks", []), *block.get("items", [])]:
            parts.append(plain_text(inner))
    return " ".join(part for part in parts if part)
