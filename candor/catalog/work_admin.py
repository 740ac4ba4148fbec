"""Staff's edition links in the admin: attach an edition to a work, split it off, merge
works, link lists of ISBNs, and the record of every link (`EditionChange`). Each one
goes through `candor.catalog.editions`, which checks and records it."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from candor.catalog.editions import (
    Actor,
    IsbnListError,
    LinkError,
    attach,
    delete_books,
    link_isbn_list,
    merge,
    split,
)
from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book, EditionChange, Work

NOTE_HELP = "Why these editions belong together (recorded with the link, shown to staff)."


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTE_HELP)


class LinkForm(NoteForm):
    credits_differ = forms.BooleanField(
        required=False,
        label="Link although they share no credited author",
        help_text="Only when the credits differ for a reason the note gives (a name "
        "transliterated in a translation): a link moves the work's rating onto every "
        "edition's page.",
    )


class AttachForm(LinkForm):
    isbn = forms.CharField(
        label="ISBN of an edition of the work to join", max_length=20, help_text="Any hyphenation"
    )

    def clean_isbn(self) -> Book:
        isbn = normalize_isbn(self.cleaned_data["isbn"])
        book = Book.objects.filter(isbn13=isbn).select_related("work").first()
        if book is None:
            raise forms.ValidationError(f"No book with ISBN {isbn} in the catalogue.")
        return book


class MergeForm(LinkForm):
    into = forms.ModelChoiceField(
        queryset=Work.objects.none(),
        widget=forms.RadioSelect,
        label="The work to keep",
        help_text="Its title and id stay; the other works' editions join it.",
    )

    def __init__(self, *args: Any, works: QuerySet[Work], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = works  # type: ignore[attr-defined]


class IsbnListForm(NoteForm):
    lines = forms.CharField(
        label="ISBN lists",
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text="One line per work: its editions' ISBNs, separated by spaces, commas or "
        "semicolons. The first ISBN's work is the one the others join. Any bad line "
        "links nothing.",
    )


def action_page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    form: forms.Form,
    action: str,
    title: str,
) -> TemplateResponse:
    """The page an admin action asks its questions on (selected rows kept)."""
    return TemplateResponse(
        request,
        "admin/catalog/edition_action.html",
        {
            **admin.site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": action,
            "opts": queryset.model._meta,
        },
    )


def staff_actor(request: HttpRequest, note: str) -> Actor:
    return Actor(request.user, "admin", note)  # type: ignore[arg-type]


class BookActions:
    """The edition actions of the book list (mixed into BookAdmin), and deletions that
    rate the works the deleted books leave again."""

    def delete_model(self, request: HttpRequest, obj: Book) -> None:
        delete_books([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Book]) -> None:
        delete_books(list(queryset))

    @admin.action(description="Attach the selected books to another work (as its editions)")
    def attach_to_work(
        self, request: HttpRequest, queryset: QuerySet[Book]
    ) -> TemplateResponse | None:
        form = AttachForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            target: Book = form.cleaned_data["isbn"]
            actor = staff_actor(request, form.cleaned_data["note"])
            try:
                attach(
                    list(queryset),
                    target.work,
                    actor,
                    credits_differ=form.cleaned_data["credits_differ"],
                )
            except LinkError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request, f"Attached {queryset.count()} book(s) to “{target.work.title}”."
                )
                return None
        return action_page(request, queryset, form, "attach_to_work", "Attach to another work")

    @admin.action(description="Split the selected books off into works of their own")
    def split_off(self, request: HttpRequest, queryset: QuerySet[Book]) -> TemplateResponse | None:
        form = NoteForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            actor = staff_actor(request, form.cleaned_data["note"])
            done, refused = 0, []
            for book in queryset:
                try:
                    split(book, actor)
                    done += 1
                except LinkError as error:
                    refused.append(str(error))
            for reason in refused:
                self.message_user(request, reason, messages.WARNING)  # type: ignore[attr-defined]
            self.message_user(request, f"Split off {done} book(s).")  # type: ignore[attr-defined]
            return None
        return action_page(
            request, queryset, form, "split_off", "Split off into works of their own"
        )


class EditionInline(admin.TabularInline):
    model = Book
    fields = ["title", "isbn13", "format", "language", "year", "edition_rating_count"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "edition"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChangeInline(admin.TabularInline):
    model = EditionChange
    fields = ["at", "action", "isbns", "by", "source", "note", "moved"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "link"
    verbose_name_plural = "Links made (newest first)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Work's rating before → after")
    def moved(self, change: EditionChange) -> str:
        return rating_move(change)


def rating_move(change: EditionChange) -> str:
    def shown(rating: float | None, count: int) -> str:
        return "none" if rating is None else f"{rating:.2f} ({count})"

    return (
        f"{shown(change.rating_before, change.count_before)} → "
        f"{shown(change.rating_after, change.count_after)}"
    )


@admin.register(Work)
class WorkAdmin(admin.ModelAdmin):
    list_display = ["title", "edition_count", "rating", "external_id"]
    search_fields = ["title", "editions__isbn13", "external_id"]
    fields = ["title", "external_id"]
    inlines = [EditionInline, ChangeInline]
    actions = ["merge_works"]
    change_list_template = "admin/catalog/work/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Work]:
        return super().get_queryset(request).annotate(edition_total=Count("editions"))

    @admin.display(description="Editions", ordering="edition_total")
    def edition_count(self, work: Work) -> int:
        return work.edition_total  # type: ignore[attr-defined,no-any-return]

    @admin.display(description="Rating (all editions)")
    def rating(self, work: Work) -> str:
        found = work.editions.values_list("rating", "rating_count").first()
        if not found or found[0] is None:
            return "—"
        return f"{found[0]:.2f} ({found[1]})"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a work goes when its last edition leaves it

    @admin.action(description="Merge the selected works into one")
    def merge_works(
        self, request: HttpRequest, queryset: QuerySet[Work]
    ) -> TemplateResponse | None:
        form = MergeForm(request.POST if "apply" in request.POST else None, works=queryset)
        if form.is_valid():
            into: Work = form.cleaned_data["into"]
            actor = staff_actor(request, form.cleaned_data["note"])
            try:
                merge(
                    list(queryset),
                    into,
                    actor,
                    credits_differ=form.cleaned_data["credits_differ"],
                )
            except LinkError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, f"Merged {queryset.count()} works into “{into}”.")
                return None
        return action_page(request, queryset, form, "merge_works", "Merge works")

    def get_urls(self) -> list[URLPattern]:
        link = path(
            "link-isbns/",
            self.admin_site.admin_view(self.link_isbns),
            name="catalog_work_link_isbns",
        )
        return [link, *super().get_urls()]

    def link_isbns(self, request: HttpRequest) -> HttpResponse:
        """Staff paste lines of ISBNs; every line is checked before anything is linked."""
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = IsbnListForm(request.POST or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            actor = staff_actor(request, form.cleaned_data["note"])
            try:
                changes = link_isbn_list(form.cleaned_data["lines"].splitlines(), "line", actor)
            except IsbnListError as error:
                problems = error.problems
            except LinkError as error:
                problems = [str(error)]
            else:
                self.message_user(request, f"Linked {len(changes)} work(s).")
                return HttpResponseRedirect(reverse("admin:catalog_work_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Link editions from lists of ISBNs",
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/link_isbns.html", context)


@admin.register(EditionChange)
class EditionChangeAdmin(admin.ModelAdmin):
    """The audit trail of edition links: read only."""

    list_display = ["at", "action", "work_link", "editions", "by", "source", "moved"]
    list_filter = ["action"]
    search_fields = ["work_title", "note", "source", "by__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Work")
    def work_link(self, change: EditionChange) -> str:
        if change.work_id is None:
            return change.work_title
        url = reverse("admin:catalog_work_change", args=[change.work_id])
        return format_html('<a href="{}">{}</a>', url, change.work_title)

    @admin.display(description="Editions moved")
    def editions(self, change: EditionChange) -> str:
        return format_html_join(", ", "{}", ((isbn,) for isbn in change.isbns))

    @admin.display(description="Work's rating before → after")
    def moved(self, change: EditionChange) -> str:
        return rating_move(change)
