from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import (
    Book,
    Contribution,
    EditorialReview,
    Person,
    Publisher,
    Series,
    Subject,
)
from candor.catalog.work_admin import BookActions
from candor.reviews import store


class ContributionInline(admin.TabularInline):
    model = Contribution
    extra = 1
    autocomplete_fields = ["person"]


class EditorialReviewInline(admin.StackedInline):
    model = EditorialReview
    extra = 0


class BookAdminForm(forms.ModelForm):
    # Wide enough for a hyphenated ISBN; stored as the 13 digits.
    isbn13 = forms.CharField(
        label="ISBN", max_length=20, help_text="ISBN-10 or ISBN-13, any hyphenation"
    )
    buy_url = forms.URLField(
        label="Buy link", required=False, max_length=200, assume_scheme="https"
    )
    cover_url = forms.URLField(
        label="Cover source",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where `candor covers` fetches the cover from (set by imports).",
    )

    class Meta:
        model = Book
        fields = [
            "title",
            "subtitle",
            "slug",
            "series",
            "series_volume",
            "publisher",
            "year",
            "isbn13",
            "pages",
            "illustrations",
            "price",
            "currency",
            "buy_url",
            "description",
            "subjects",
            "cover",
            "cover_url",
            "format",
            "language",
        ]

    def clean_isbn13(self) -> str:
        return normalize_isbn(self.cleaned_data["isbn13"])


@admin.register(Book)
class BookAdmin(BookActions, admin.ModelAdmin):
    form = BookAdminForm
    list_display = ["title", "publisher", "year", "isbn13", "rating", "rating_count"]
    search_fields = ["title", "subtitle", "isbn13"]
    list_filter = ["subjects", "publisher", "series"]
    autocomplete_fields = ["subjects"]
    readonly_fields = ["work_link", "rating", "rating_count", "edition_rating_count"]
    inlines = [ContributionInline, EditorialReviewInline]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["rebuild_ratings", "attach_to_work", "split_off"]

    @admin.display(description="Work (edition links)")
    def work_link(self, book: Book) -> str:
        if book.work_id is None:
            return "a work of its own, once saved"
        url = reverse("admin:catalog_work_change", args=[book.work_id])
        return format_html('<a href="{}">{}</a>', url, book.work)

    @admin.action(description="Recompute the rating of the selected books from their reviews")
    def rebuild_ratings(self, request: HttpRequest, queryset: QuerySet[Book]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        store.recompute_books(ids)
        self.message_user(request, f"Recomputed {len(ids)} book rating(s).")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


admin.site.register(Publisher)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
