"""The README stays a README: short, and every manual page it points to exists and is
reachable from it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(page: Path) -> list[str]:
    targets = LINK.findall(page.read_text(encoding="utf-8"))
    return [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:|#", t)]


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 150


def test_every_manual_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target).resolve() for target in relative_links(ROOT / "README.md")}
    pages = {page.resolve() for page in (ROOT / "docs").glob("*.md")}
    assert pages, "docs/ holds the manual"
    assert not pages - linked, f"not linked from README.md: {sorted(pages - linked)}"


def test_every_relative_link_resolves() -> None:
    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
        for target in relative_links(page)
        if target and not (page.parent / target).exists()
    ]
    assert not broken


def layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1]
    return section.split("```")[1]


def test_the_layout_names_every_package() -> None:
    layout = layout_block()
    packages = [path.parent.name for path in (ROOT / "candor").glob("*/__init__.py")]
    top = ["candor", "bench", "research", "tests", "bin", "docs"]
    missing = [name for name in [*packages, *top] if f"{name}/" not in layout]
    assert packages and not missing, f"README layout does not name: {missing}"
