"""Writing benchmark results into docs/benchmarks.md, one marked section per benchmark.

Each benchmark owns the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``;
a rerun replaces its section and leaves the rest of the file alone. A missing file is
created with a header describing the machine.
"""

import math
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = REPO / "docs" / "benchmarks.md"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory() -> str:
    try:
        out = subprocess.run(["free", "-h"], capture_output=True, text=True, check=True).stdout
        return out.splitlines()[1].split()[1] + " RAM"
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown RAM"


def machine_line() -> str:
    """One line naming the machine a result was measured on."""
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), {memory()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def header() -> str:
    nproc = os.cpu_count()
    try:
        free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.rstrip()
    except OSError:
        free = "(free not available)"
    return (
        "# Benchmarks\n\n"
        "Results of the scripts in `bench/`; each section gives the exact command that\n"
        "reproduces it (run from the repository root) and the date it was measured.\n\n"
        "## Machine\n\n"
        f"- measured: {today()}\n"
        f"- `nproc`: {nproc}\n"
        f"- CPU: {cpu_model()}\n"
        f"- Python: {sys.version.split()[0]} ({platform.python_implementation()})\n"
        f"- OS: {platform.system()} {platform.release()}\n"
        "- `free -h`:\n\n"
        "```\n"
        f"{free}\n"
        "```\n"
    )


def write_section(name: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Put ``body`` between NAME's markers in ``path``, replacing an earlier run."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    current = path.read_text() if path.exists() else header()
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(updated if updated.endswith("\n") else updated + "\n")
    tmp.replace(path)


def percent(value: float) -> str:
    """A share as a whole percentage, "n/a" when it is not a number."""
    return "n/a" if math.isnan(value) else f"{100 * value:.0f} %"


def stars(value: float) -> str:
    """Stars to three decimals, "n/a" when not a number."""
    return "n/a" if math.isnan(value) else f"{value:.3f}"
