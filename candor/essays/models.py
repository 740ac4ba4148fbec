"""Review essays: long-form reviews of catalogue books, with a stable canonical URL.

Rows change only through candor.essays.services (rendering, default title, URL parts);
save() has no side effects.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from candor.catalog.models import Book, SlugFromName


class Reviewer(SlugFromName):
    """The author of review essays (not necessarily anyone credited on a book)."""

    name = models.CharField(max_length=200, unique=True)
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
