"""Time to make the PDF of a 6,000-word review essay, against a one-line Typst baseline.

    python -m bench.essay_pdf [--words 6000] [--runs 20] [--no-docs]

From the issue: "PDF generation time per essay for a 6,000-word essay (target: under
100 ms on this machine)". The essay is built from the two demo essays
(candor/demo/essays/*.md), repeated with their footnotes renamed until it has at least
--words words, with one reviewed book. Each run times what the PDF view does on a cache
miss: parse the Markdown into blocks (candor.essays.markdown.to_document) and compile
candor/essays/typst/essay.typ with the JSON (candor.essays.pdf.render_pdf).

Typst memoises layout inside a process, so two cases are timed: "changed essay", where
every run's essay differs in its first sentence (a new or edited essay: the real cost of
a cache miss), and "same essay again" (what a second compile of identical content
costs). The baseline, timed in the same run the same way, compiles a one-line Typst
document: the ratio says what the essay costs over Typst's fixed start-up. The first
run of each is a warm-up and not counted. The load average is printed because other
work on the machine slows every number alike. A cached PDF (the usual case) is a file
read and is not measured here. No database is used. The section between
<!-- essay-pdf:start --> and <!-- essay-pdf:end --> in docs/benchmarks.md is replaced
unless --no-docs is given.
"""

import argparse
import io
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")

import django

django.setup()

import pypdf  # noqa: E402
import typst  # noqa: E402

from bench.docs import machine_line, today, write_section  # noqa: E402
from candor.essays.importer import split_front_matter  # noqa: E402
from candor.essays.markdown import to_document  # noqa: E402
from candor.essays.pdf import render_pdf  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "candor" / "demo" / "essays"
TARGET_MS = 100.0


def long_essay(words: int) -> str:
    """Demo essay bodies, repeated (footnote labels made unique) to at least `words` words."""
    bodies = [split_front_matter(p.read_text())[1] for p in sorted(DEMO.glob("*.md"))]
    parts: list[str] = []
    n = 0
    while len(" ".join(parts).split()) < words:
        n += 1
        body = bodies[n % len(bodies)]
        parts.append(f"## Part {n}\n\n" + re.sub(r"\[\^(\w+)\]", rf"[^\1x{n}]", body))
    return "\n\n".join(parts)


def document(markdown: str) -> dict[str, Any]:
    return {
        "site": "Candor",
        "title": "A Long Essay for the Benchmark",
        "reviewer": "Bench Reviewer",
        "reviewer_bio": "A reviewer who exists only in this benchmark.",
        "url": "http://127.0.0.1:8000/essays/2024/03/05/a-long-essay-for-the-benchmark/",
        "date": {"year": 2024, "month": 3, "day": 5},
        "date_text": "March 5, 2024",
        "subject": "A review of Uncertain Partners",
        "keywords": ["Korean War"],
        "books": [
            {
                "full_title": "Uncertain Partners: Stalin, Mao, and the Korean War",
                "responsibility": "By Sergei N. Goncharov, John W. Lewis, and Xue Litai",
                "imprint": "Stanford, California: Stanford University Press, 1993",
                "extent": "393 pp.",
                "isbn": "978-0-8047-2115-8",
            }
        ],
        "body": to_document(markdown),
    }


def essay_pdf(markdown: str) -> bytes:
    return render_pdf(document(markdown))


def baseline_pdf() -> bytes:
    pdf = typst.Compiler(ignore_system_fonts=True).compile(
        input=b'#set text(font: "Libertinus Serif")\nOne line.', format="pdf"
    )
    assert isinstance(pdf, bytes)
    return pdf


def timed(make: Any, runs: int) -> list[float]:
    make()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        make()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.essay_pdf", description=__doc__)
    parser.add_argument("--words", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.runs <= 1000 or not 100 <= args.words <= 100_000:
        parser.error("--runs must be 1..1000 and --words 100..100000")

    markdown = long_essay(args.words)
    words = len(markdown.split())
    pdf = essay_pdf(markdown)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    counter = iter(range(1, 10**9))

    def changed_essay() -> bytes:
        return essay_pdf(f"Run {next(counter)} opens with a sentence of its own.\n\n{markdown}")

    rows = [
        ("changed essay (new or edited: a real cache miss)", timed(changed_essay, args.runs)),
        (
            "same essay again (Typst's in-process memo warm)",
            timed(lambda: essay_pdf(markdown), args.runs),
        ),
        ("baseline: one-line Typst document", timed(baseline_pdf, args.runs)),
    ]
    medians = [statistics.median(samples) for _, samples in rows]
    table = "\n".join(
        f"| {name} | {median:.0f} ms | {statistics.quantiles(samples, n=10)[-1]:.0f} ms | "
        f"{median / medians[-1]:.1f}x |"
        for (name, samples), median in zip(rows, medians, strict=True)
    )
    verdict = "meets" if medians[0] < TARGET_MS else "misses"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = f"""## Essay PDF generation (6,000-word essay)

Command: `python -m bench.essay_pdf --words {args.words} --runs {args.runs}` (measured {today()}).
Machine: {machine_line()}; load average at the end {load}.

A {words:,}-word essay with footnotes ({pages} A4 pages, {len(pdf) // 1024} KiB) made from the
demo essays; each run parses the Markdown into blocks and compiles the Typst template (what
the PDF view does when the cache has no PDF for the essay). {args.runs} runs after one warm-up.

| what | median | p90 | vs. baseline |
|---|---|---|---|
{table}

The issue's target is {TARGET_MS:.0f} ms per essay: a new or edited essay {verdict} it
({medians[0]:.0f} ms). Readers almost never pay this: a PDF is built once per version of an
essay and then served from the file cache.
"""
    print(body)
    if not args.no_docs:
        write_section("essay-pdf", body)


if __name__ == "__main__":
    main()
