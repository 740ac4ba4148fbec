"""Load the demo review essays (candor/demo/essays/*.md) through the essay importer.

Run with update=True so an edited demo file replaces the stored essay; an unchanged
file changes nothing, so `candor demo` stays idempotent.
"""

from pathlib import Path

from candor.essays.importer import ImportReport, import_folder

DEMO_ESSAYS = Path(__file__).with_name("essays")


def load_demo_essays(folder: Path = DEMO_ESSAYS) -> ImportReport:
    report = import_folder(folder, update=True)
    if report.rejected:
        problems = "; ".join(f"{name}: {reason}" for name, reason in report.rejected)
        raise ValueError(f"demo essays rejected: {problems}")
    return report
