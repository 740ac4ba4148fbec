from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify

from candor.catalog.fields import JSONTextField
from candor.catalog.images import validate_upload
from candor.catalog.isbn import format_isbn, normalize_isbn
from candor.catalog.names import NameParts, name_parts

# A BCP 47 tag, simplified: a language, then optional subtags (script, region, variant).
LANGUAGE_TAG = r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"


def unique_slug(model: type[models.Model], text: str, exclude_pk: int | None = None) -> str:
    """A slug for text that no other row of model uses (book-2, book-3, ...)."""
    base = slugify(text)[:80] or "item"
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class SlugFromName(models.Model):
    """Fills an empty slug from the name (or title) on first save."""

    slug_source = "name"

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.slug:  # type: ignore[attr-defined]
            text = getattr(self, self.slug_source)
            self.slug = unique_slug(type(self), text, self.pk)  # type: ignore[attr-defined]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Publisher(models.Model):
    name = models.CharField(max_length=200, unique=True)
    city = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(SlugFromName):
    """Anyone credited on a book: author, co-author, editor, translator."""

    name = models.CharField(max_length=200)
    # For citations of the books (CSL-JSON's reviewed-author): when empty, guessed from
    # the name (candor.catalog.names).
    family_name = models.CharField(
        max_length=200, blank=True, help_text="For citations. When empty, guessed from the name."
    )
    given_name = models.CharField(
        max_length=200, blank=True, help_text="For citations. When empty, guessed from the name."
    )
    slug = models.SlugField(max_length=100, unique=True)
    bio = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("author", args=[self.slug])

    @property
    def name_parts(self) -> NameParts:
        return name_parts(self.name, self.family_name, self.given_name)


class Series(SlugFromName):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("series", args=[self.slug])


class Subject(SlugFromName):
    """What a book is about ("History", "Science fiction"): chosen by editors in the
    admin or brought by an import; the catalogue is browsed by it (/books/?subject=)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('books')}?subject={self.slug}"


class Work(models.Model):
    """What readers rate: a book in all its editions (formats, printings, translations).

    Each `Book` row is one edition, with its own ISBN; reviews belong to the edition
    they were written on, and the rating store rates the work from all of them
    (docs/editions.md). Editions join, leave and merge works only through
    `candor.catalog.editions`, which records each change (`EditionChange`).
    """

    title = models.CharField(max_length=300)
    # A source's id for the work ("goodreads:2767052", "openlibrary:OL45883W"): imports
    # that carry one put their editions in the same work. NULL, not "", when unset.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="work_external_id_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Format(models.TextChoices):
    HARDCOVER = "hardcover", "Hardcover"
    PAPERBACK = "paperback", "Paperback"
    EBOOK = "ebook", "E-book"
    AUDIOBOOK = "audiobook", "Audiobook"
    OTHER = "other", "Other"


class Book(SlugFromName):
    """One edition of a `Work`, identified by its ISBN."""

    slug_source = "title"

    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="books"
    )
    series_volume = models.PositiveIntegerField(null=True, blank=True)
    publisher = models.ForeignKey(
        Publisher, null=True, blank=True, on_delete=models.SET_NULL, related_name="books"
    )
    year = models.PositiveIntegerField(null=True, blank=True)
    isbn13 = models.CharField("ISBN-13", max_length=13, unique=True)
    # Amazon's product id, kept by the Amazon importer so reviews find their book
    # when the ASIN is not an ISBN (Kindle editions).
    asin = models.CharField("ASIN", max_length=10, blank=True, default="")
    pages = models.PositiveIntegerField(null=True, blank=True)
    illustrations = models.CharField(
        max_length=200, blank=True, help_text='For example "42 photographs, 2 maps".'
    )
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code, e.g. USD")
    buy_url = models.URLField(blank=True, validators=[URLValidator(schemes=["http", "https"])])
    description = models.TextField(blank=True, max_length=10000)
    subjects = models.ManyToManyField(Subject, blank=True, related_name="books")
    # The cover image Candor serves (uploaded in the admin or fetched by `candor covers`),
    # and where an import said a cover can be fetched from (candor.catalog.covers).
    cover = models.FileField(
        upload_to="covers/",
        blank=True,
        validators=[validate_upload],
        help_text="A JPEG, PNG, GIF or WebP image, at most 2 MB.",
    )
    cover_url = models.URLField(
        "Cover source",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where `candor covers` fetches the cover from (set by imports).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The work this book is an edition of; a new book gets a work of its own on its
    # first save. Changed only by candor.catalog.editions (staff, recorded).
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="editions")
    format = models.CharField(max_length=20, choices=Format.choices, blank=True)
    language = models.CharField(
        max_length=35,
        blank=True,
        validators=[RegexValidator(LANGUAGE_TAG, "A language tag such as en, de or pt-BR.")],
        help_text="The edition's language as a tag, e.g. en, de, pt-BR (a translation "
        "is an edition of the same work).",
    )
    # Written only by the rating store (candor.reviews.store): Candor's rating of the
    # work and its number of ratings (the same on every edition), for lists and sorting,
    # and everything the book page shows of it (each view with its explanation, the
    # weighting, the rating over time)...
    rating = models.FloatField(null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_data = JSONTextField(default=dict, editable=False)
    # ... and the same for this edition's reviews alone (the page's "This edition"); on
    # a work of one edition, the same numbers.
    edition_rating = models.FloatField(null=True, blank=True, editable=False)
    edition_rating_count = models.PositiveIntegerField(default=0, editable=False)
    edition_rating_data = JSONTextField(default=dict, editable=False)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(isbn13__regex=r"^97[89][0-9]{10}$"), name="book_isbn13_digits"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="book_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(edition_rating__isnull=True)
                | Q(edition_rating__gte=1, edition_rating__lte=5),
                name="book_edition_rating_range",
            ),
            models.UniqueConstraint(
                fields=["asin"], condition=~Q(asin=""), name="book_asin_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return self.full_title

    def save(self, *args: object, **kwargs: object) -> None:
        # Like the slug, a default: a book nobody linked is a work of its own.
        if self.work_id is None:
            self.work = Work.objects.create(title=self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("book", args=[self.slug])

    def clean(self) -> None:
        self.isbn13 = normalize_isbn(self.isbn13)
        if self.currency:
            self.currency = self.currency.upper()

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    @property
    def cover_alt(self) -> str:
        return f"Cover of {self.full_title}"

    @property
    def isbn13_display(self) -> str:
        return format_isbn(self.isbn13)


class Contribution(models.Model):
    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        CO_AUTHOR = "co-author", "Co-author"
        EDITOR = "editor", "Editor"
        TRANSLATOR = "translator", "Translator"

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="contributions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contributions")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "person", "role"], name="contribution_once_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class EditorialReview(models.Model):
    """A quotation from a trade source, shown apart from customer reviews."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="editorial_reviews")
    source = models.CharField(max_length=200)
    reviewer = models.CharField(max_length=200, blank=True)
    text = models.TextField(max_length=5000)
    copyright_line = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.source} on {self.book}"


class EditionChange(models.Model):
    """One change to which editions make up which work, as staff or an import made it:
    the audit trail of catalogue links (a link moves ratings: docs/editions.md)."""

    class Action(models.TextChoices):
        ATTACH = "attach", "Attached to a work"
        SPLIT = "split", "Split off into a work of its own"
        MERGE = "merge", "Works merged"

    action = models.CharField(max_length=10, choices=Action.choices)
    # The work the editions are in after the change (NULL once that work is gone).
    work = models.ForeignKey(
        Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    work_title = models.CharField(max_length=300)
    # The editions moved, by ISBN-13, and the works they came from (ids: those works may
    # be gone after a merge).
    isbns = models.JSONField(default=list)
    from_works = models.JSONField(default=list)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where the change came from: "admin", "link-editions FILE", "import books FILE".
    source = models.CharField(max_length=300)
    note = models.TextField(blank=True, max_length=2000)
    # The work's rating and count of ratings before and after: what the change moved.
    rating_before = models.FloatField(null=True, blank=True)
    count_before = models.PositiveIntegerField(default=0)
    rating_after = models.FloatField(null=True, blank=True)
    count_after = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.work_title} ({self.at:%Y-%m-%d %H:%M})"
