"""Editors write, preview and publish essays here.

Saving goes through candor.essays.services.save_essay, which stores the rendered
HTML, fills the default title and fixes the permanent URL on first save.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from candor.essays.identifiers import normalise_doi, normalise_issn
from candor.essays.models import Essay, Journal, Reviewer, Tag
from candor.essays.services import publish, save_essay


class JournalForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Journal
        fields = ["name", "issn"]

    def clean_issn(self) -> str:
        return normalise_issn(self.cleaned_data["issn"])


@admin.register(Journal)
class JournalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The one journal row: edited, never added twice or deleted."""

    form = JournalForm
    list_display = ["name", "issn"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not Journal.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Journal | None = None) -> bool:
        return False


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "cited_as", "slug"]
    search_fields = ["name", "family_name"]
    fields = ["name", "family_name", "given_name", "slug", "bio"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Cited as")
    def cited_as(self, obj: Reviewer) -> str:
        return obj.name_parts.inverted


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class EssayForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Essay
        fields = [
            "title",
            "slug",
            "reviewer",
            "books",
            "published_on",
            "status",
            "summary",
            "body_markdown",
            "tags",
            "volume",
            "issue",
            "doi",
        ]
        widgets = {"body_markdown": forms.Textarea(attrs={"rows": 30, "cols": 100})}

    def clean_doi(self) -> str:
        # A pasted https://doi.org/ link or "doi:" is taken as the DOI it holds.
        doi = normalise_doi(self.cleaned_data["doi"])
        other = Essay.objects.filter(doi=doi).exclude(pk=self.instance.pk).first() if doi else None
        if other is not None:
            raise forms.ValidationError(f"{doi} is already the DOI of “{other.title}”.")
        return doi


@admin.register(Essay)
class EssayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = EssayForm
    list_display = ["title", "reviewer", "published_on", "status"]
    list_filter = ["status", "tags"]
    search_fields = ["title", "reviewer__name", "books__title"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["reviewer", "books", "tags"]
    actions = ["publish_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "reviewer", "books", "published_on", "status"]}),
        ("In the journal", {"fields": ["volume", "issue", "doi"]}),
        ("Text", {"fields": ["summary", "body_markdown", "tags"]}),
        ("Preview (as saved)", {"fields": ["canonical_url", "preview"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Essay | None = None) -> list[str]:
        # The slug is part of the permanent address: fixed once the essay exists.
        fixed = ["slug"] if obj is not None and obj.pk else []
        return [*fixed, "canonical_url", "preview"]

    @admin.display(description="Canonical URL")
    def canonical_url(self, obj: Essay) -> str:
        if not obj.pk:
            return "Fixed on first save from the publication date and slug."
        return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())

    @admin.display(description="Rendered text")
    def preview(self, obj: Essay) -> SafeString:
        if not obj.pk:
            return mark_safe("<p>Save as a draft to see the rendered text here.</p>")
        # body_html was sanitised by nh3 when it was stored.
        return format_html(
            '<p><a href="{}">Open the page</a> · <a href="{}">PDF</a></p>'
            '<div class="essay-preview">{}</div>',
            obj.get_absolute_url(),
            obj.pdf_url(),
            mark_safe(obj.body_html),
        )

    def save_model(self, request: HttpRequest, obj: Essay, form: Any, change: bool) -> None:
        # The books go to the service too: the default title is made from them.
        save_essay(obj, books=form.cleaned_data.get("books") or [])

    def response_add(self, request: HttpRequest, obj: Essay, *args: Any) -> HttpResponse:
        if "_preview" in request.POST:
            return HttpResponseRedirect(obj.get_absolute_url())
        return super().response_add(request, obj, *args)

    def response_change(self, request: HttpRequest, obj: Essay) -> HttpResponse:
        # "Save and preview the page": the essay as readers will see it (drafts: staff only).
        if "_preview" in request.POST:
            return HttpResponseRedirect(obj.get_absolute_url())
        return super().response_change(request, obj)

    @admin.action(description="Publish the selected essays")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Essay]) -> None:
        for essay in queryset:
            publish(essay)
        self.message_user(request, f"Published {queryset.count()} essay(s).", messages.SUCCESS)
