from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from candor.reviews import moderation
from candor.reviews.forms import OrderAdminForm
from candor.reviews.limits import NOTE_MAX
from candor.reviews.models import AuditEntry, Order, Report, Review
from candor.reviews.trust_levels import DOWNWEIGHTED, DOWNWEIGHTED_BELOW, reasons_text, trust_words

Action = AuditEntry.Action
REASONS_SHOWN = 90  # characters of the reasons in a list's column; the rest on hover


def trust_cell(review: Review) -> str:
    """The trust that counts, rounded and in words, and who set it if staff did."""
    shown = trust_words(review.effective_trust)
    if review.trust_override is None:
        return shown
    return f"{shown} (set by staff; computed {review.trust:.2f})"


def reasons_cell(review: Review) -> str:
    full = reasons_text(review.trust_reasons)
    if len(full) <= REASONS_SHOWN:
        return full
    return format_html('<span title="{}">{}…</span>', full, full[: REASONS_SHOWN - 1])


class NoteActionForm(ActionForm):
    """The review list's action bar, with the note every decision needs."""

    note = forms.CharField(
        label="Note (required: why)", max_length=NOTE_MAX, required=False, strip=True
    )


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    fields = ["reporter", "reason", "note", "created_at", "resolved_at", "resolved_by", "decision"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # readers report on the site; staff decide


class LowTrustFilter(admin.SimpleListFilter):
    title = "trust"
    parameter_name = "trust_level"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("low", f"Down-weighted (below {DOWNWEIGHTED_BELOW:.2f})"),
            ("full", "Counted fully"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        """By the trust that counts (a moderator's decision, else the computed trust), as
        the book pages and the moderation desk judge it."""
        if self.value() == "low":
            return queryset.filter(DOWNWEIGHTED)
        if self.value() == "full":
            return queryset.exclude(DOWNWEIGHTED)
        return queryset


class OverriddenFilter(admin.SimpleListFilter):
    title = "moderator decision"
    parameter_name = "override"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Decided by a moderator")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        return queryset.filter(trust_override__isnull=False) if self.value() == "yes" else queryset


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "book_title",
        "reader",
        "rating",
        "trust_shown",
        "reasons_shown",
        "verified_purchase",
        "hidden",
        "open_reports",
        "posted",
    ]
    list_display_links = ["book_title"]
    list_select_related = ["book", "user"]
    action_form = NoteActionForm
    list_filter = [
        "hidden",
        ("withdrawn_at", admin.EmptyFieldListFilter),  # deleted by its author
        "verified_purchase",
        "rating",
        LowTrustFilter,
        OverriddenFilter,
    ]
    search_fields = ["title", "text", "user__username", "book__title"]
    # A customer's review is theirs: staff moderate it with the actions below (each goes
    # through the services, which recompute the book's rating), never edit it.
    readonly_fields = [
        "book",
        "user",
        "rating",
        "title",
        "text",
        "created_at",
        "updated_at",
        "helpful_count",
        "external_id",
        "verified_purchase",
        "hidden",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
        "trust",
        "reasons_shown",
        "trust_scored_at",
        "trust_override",
        "trust_override_by",
        "trust_override_at",
        "trust_override_note",
        "trust_batch_at",
        "withdrawn_at",
        "text_hash",
    ]
    inlines = [ReportInline]
    actions = [
        "hide_selected",
        "restore_selected",
        "keep_selected",
        "discount_selected",
        "clear_override",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews are written by readers (the site, the API) or imported

    def delete_model(self, request: HttpRequest, obj: Review) -> None:
        moderation.delete_reviews(Review.objects.filter(pk=obj.pk), request.user, "in the admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        moderation.delete_reviews(queryset, request.user, "in the admin")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        open_reports = Count("reports", filter=Q(reports__resolved_at=None))
        return super().get_queryset(request).annotate(open_report_count=open_reports)

    @admin.display(description="Book", ordering="book__title")
    def book_title(self, review: Review) -> str:
        return review.book.title

    @admin.display(description="Reader", ordering="user__username")
    def reader(self, review: Review) -> str:
        return review.user.get_username()

    @admin.display(description="Posted", ordering="created_at")
    def posted(self, review: Review) -> str:
        return f"{review.created_at:%Y-%m-%d}"

    @admin.display(description="Open reports", ordering="open_report_count")
    def open_reports(self, review: Review) -> int:
        return review.open_report_count  # type: ignore[attr-defined]

    @admin.display(description="Trust", ordering="trust")
    def trust_shown(self, review: Review) -> str:
        return trust_cell(review)

    @admin.display(description="Reasons")
    def reasons_shown(self, review: Review) -> str:
        return reasons_cell(review)

    @admin.action(description="Keep: count fully, whatever the analysis finds (note required)")
    def keep_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.decide(request, queryset, Action.KEEP)

    @admin.action(description="Discount: do not count in ratings (note required)")
    def discount_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.decide(request, queryset, Action.DISCOUNT)

    @admin.action(
        description="Clear the moderator's decision: computed trust again (note required)"
    )
    def clear_override(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.decide(request, queryset, Action.CLEAR)

    @admin.action(description="Hide: off the site and out of the rating (note required)")
    def hide_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.decide(request, queryset, Action.HIDE)

    @admin.action(description="Restore hidden reviews (note required)")
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.decide(request, queryset, Action.RESTORE)

    def decide(self, request: HttpRequest, queryset: QuerySet[Review], action: str) -> None:
        """The moderation desk's decision on each selected review, with the action bar's
        note; without a note nothing changes."""
        try:
            note = moderation.clean_note(request.POST.get("note", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages) + " Nothing was changed.")
            return
        reviews = list(queryset)
        for review in reviews:
            moderation.decide(review, request.user, action, note)
        label = Action(action).label
        messages.success(request, f"{label}: {len(reviews)} review(s); ratings recomputed.")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports as readers sent them; staff resolve them by deciding on the review (the
    moderation desk, or the review list's actions), which records the decision here."""

    list_display = [
        "review",
        "reason",
        "reporter",
        "created_at",
        "review_trust",
        "review_reasons",
        "resolved_at",
        "decision",
    ]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["review__book", "review__user", "reporter", "decision"]
    readonly_fields = [
        "review",
        "reporter",
        "reason",
        "note",
        "created_at",
        "resolved_at",
        "resolved_by",
        "decision",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Trust")
    def review_trust(self, report: Report) -> str:
        return trust_cell(report.review)

    @admin.display(description="Reasons")
    def review_reasons(self, report: Report) -> str:
        return reasons_cell(report.review)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: entries are written by `candor.reviews.moderation`."""

    list_display = ["created_at", "moderator_name", "action", "subject", "trust_shown", "note"]
    list_filter = ["action"]
    search_fields = ["moderator_name", "subject", "note"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Trust before", ordering="trust_before")
    def trust_shown(self, entry: AuditEntry) -> str:
        return "—" if entry.trust_before is None else trust_words(entry.trust_before)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders by buyer (username or e-mail) and ISBN; every change is logged."""

    form = OrderAdminForm
    list_display = ["user", "book", "isbn", "ordered_at", "source"]
    list_select_related = ["user", "book"]
    search_fields = ["user__username", "user__email", "book__title", "book__isbn13"]

    @admin.display(description="ISBN", ordering="book__isbn13")
    def isbn(self, order: Order) -> str:
        return order.book.isbn13

    def save_model(self, request: HttpRequest, obj: Order, form: object, change: bool) -> None:
        moderation.save_order(
            request.user, obj, "changed in the admin" if change else "in the admin"
        )

    def delete_model(self, request: HttpRequest, obj: Order) -> None:
        moderation.delete_orders(Order.objects.filter(pk=obj.pk), request.user, "in the admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        moderation.delete_orders(queryset, request.user, "in the admin")
