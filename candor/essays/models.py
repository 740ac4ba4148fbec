"""Review essays: long-form reviews of catalogue books, with a stable canonical URL.

Rows change only through candor.essays.services (rendering, default title, URL parts);
save() has no side effects.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from candor.catalog.models import Book, SlugFromName
from candor.catalog.names import NameParts, name_parts
from candor.essays.identifiers import validate_doi, validate_issn

NAME_PART_HELP = "For citations (CSL-JSON, BibTeX, RIS). When empty, guessed from the name."


class Journal(models.Model):
    """The journal the essays appear in, as citations and PDFs name it: at most one row,
    added and edited by staff in the admin. Until there is one, essays appear in a journal
    named after the site, without an ISSN (`journal.current_journal`). No migration makes
    the row: a restore loads only into a database with no rows at all."""

    name = models.CharField(
        max_length=200, help_text="Cited as the container of every essay, e.g. Candor Review."
    )
    issn = models.CharField(
        "ISSN",
        max_length=9,
        blank=True,
        validators=[validate_issn],
        help_text="Eight characters with its check digit, e.g. 2049-3630; empty if none.",
    )

    class Meta:
        verbose_name = "journal"

    def __str__(self) -> str:
        return self.name


class Reviewer(SlugFromName):
    """The author of review essays (not necessarily anyone credited on a book)."""

    name = models.CharField(max_length=200, unique=True)
    family_name = models.CharField(max_length=200, blank=True, help_text=NAME_PART_HELP)
    given_name = models.CharField(max_length=200, blank=True, help_text=NAME_PART_HELP)
    slug = models.SlugField(max_length=100, unique=True)
    bio = models.TextField(
        "About the author", blank=True, max_length=2000, help_text="Two or three sentences."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("essays:reviewer", args=[self.slug])

    @property
    def name_parts(self) -> NameParts:
        return name_parts(self.name, self.family_name, self.given_name)


class Tag(SlugFromName):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("essays:tag", args=[self.slug])


class EssayQuerySet(models.QuerySet["Essay"]):
    def published(self) -> "EssayQuerySet":
        return self.filter(status=Essay.Status.PUBLISHED)

    def visible_to(self, user: object) -> "EssayQuerySet":
        """Staff see drafts too; everyone else only published essays."""
        return self if getattr(user, "is_staff", False) else self.published()


class Essay(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(
        max_length=300, blank=True, help_text='Leave empty for "Review \u2013 <book title>".'
    )
    slug = models.SlugField(
        max_length=100,
        blank=True,
        help_text="Part of the permanent address; filled from the title when left empty.",
    )
    reviewer = models.ForeignKey(Reviewer, on_delete=models.PROTECT, related_name="essays")
    books = models.ManyToManyField(Book, related_name="essays")
    published_on = models.DateField("publication date", default=timezone.localdate)
    # The date parts of the canonical URL, fixed when the essay is first saved so the
    # address never changes, even if the publication date is corrected later.
    url_year = models.PositiveSmallIntegerField(editable=False)
    url_month = models.PositiveSmallIntegerField(editable=False)
    url_day = models.PositiveSmallIntegerField(editable=False)
    summary = models.CharField(
        max_length=400, blank=True, help_text="One or two sentences for the index and feed."
    )
    body_markdown = models.TextField(
        "body (Markdown)",
        max_length=200_000,
        help_text="Markdown: ## headings, *emphasis*, > block quotes, footnotes[^1] "
        "with [^1]: text at the end, page citations like (p. 213).",
    )
    body_html = models.TextField(editable=False, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="essays")
    # Where the essay sits in the journal (Journal), and its DOI if one was registered.
    volume = models.CharField(max_length=20, blank=True, help_text="e.g. 12")
    issue = models.CharField(max_length=20, blank=True, help_text="e.g. 3, or Spring")
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[validate_doi],
        help_text="e.g. 10.5555/candor.2024.3 (a https://doi.org/ link is accepted); "
        "empty if none.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EssayQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["url_year", "url_month", "url_day", "slug"], name="essay_canonical_url"
            ),
            models.UniqueConstraint(
                fields=["doi"],
                condition=~models.Q(doi=""),
                name="essay_doi_unique",
                violation_error_message="Another essay already has this DOI.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("essays:detail", kwargs=self.url_kwargs)

    @property
    def url_kwargs(self) -> dict[str, str]:
        return {
            "year": f"{self.url_year:04d}",
            "month": f"{self.url_month:02d}",
            "day": f"{self.url_day:02d}",
            "slug": self.slug,
        }

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def pdf_url(self) -> str:
        return reverse("essays:pdf", kwargs=self.url_kwargs)

    def citation_url(self, kind: str) -> str:
        return reverse(f"essays:cite-{kind}", kwargs=self.url_kwargs)
