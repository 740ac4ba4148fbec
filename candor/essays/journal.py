"""Where an essay appears: the journal (name, ISSN) and the essay's volume, issue and
DOI, worded once for the page, the PDF and the citations."""

from dataclasses import dataclass

from django.conf import settings

from candor.essays.identifiers import doi_url
from candor.essays.models import Essay, Journal


def current_journal() -> Journal:
    """The journal row (staff add and edit it in the admin); until one exists, a journal
    named after the site, without an ISSN."""
    return Journal.objects.order_by("pk").first() or Journal(name=settings.SITE_NAME)


@dataclass(frozen=True)
class Placement:
    journal: str
    issn: str
    volume: str
    issue: str
    doi: str

    @property
    def doi_url(self) -> str:
        return doi_url(self.doi)

    @property
    def volume_issue(self) -> str:
        """ "Vol. 12, no. 3", "Vol. 12", "No. 3" or ""."""
        parts = [f"Vol. {self.volume}"] if self.volume else []
        if self.issue:
            parts.append(f"no. {self.issue}" if parts else f"No. {self.issue}")
        return ", ".join(parts)

    @property
    def details(self) -> str:
        """The line under the title: "Vol. 12, no. 3 · ISSN 2049-3630" (parts may be missing)."""
        issn = f"ISSN {self.issn}" if self.issn else ""
        return " · ".join(part for part in (self.volume_issue, issn) if part)


def placement(essay: Essay, journal: Journal | None = None) -> Placement:
    journal = journal or current_journal()
    return Placement(
        journal=journal.name,
        issn=journal.issn,
        volume=essay.volume,
        issue=essay.issue,
        doi=essay.doi,
    )
