from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from candor.reviews.models import Order, Report, Review
from candor.reviews.services import (
    delete_orders,
    delete_reviews,
    hide_review,
    override_trust,
    restore_review,
    save_order,
)


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    fields = ["reporter", "reason", "note", "created_at", "resolved_at", "resolved_by"]
    readonly_fields = fields
    can_delete = False


class LowTrustFilter(admin.SimpleListFilter):
    title = "trust"
    parameter_name = "trust_level"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("low", "Down-weighted (below 0.5)"), ("full", "Counted fully")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        if self.value() == "low":
            return queryset.filter(trust__lt=0.5)
        if self.value() == "full":
            return queryset.filter(trust__gte=0.5)
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
        "__str__",
        "rating",
        "verified_purchase",
        "trust_shown",
        "hidden",
        "open_reports",
        "created_at",
    ]
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
        delete_reviews(Review.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        delete_reviews(queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        open_reports = Count("reports", filter=Q(reports__resolved_at=None))
        return super().get_queryset(request).annotate(open_report_count=open_reports)

    @admin.display(description="Open reports", ordering="open_report_count")
    def open_reports(self, review: Review) -> int:
        return review.open_report_count  # type: ignore[attr-defined]

    @admin.display(description="Trust", ordering="trust")
    def trust_shown(self, review: Review) -> str:
        shown = f"{review.effective_trust:.2f}"
        return f"{shown} (set by staff)" if review.trust_override is not None else shown

    @admin.display(description="Reasons")
    def reasons_shown(self, review: Review) -> str:
        return "; ".join(reason.get("text", "") for reason in review.trust_reasons) or "none"

    @admin.action(description="Keep: count the selected reviews fully (overrides trust analysis)")
    def keep_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.override(request, queryset, 1.0, "kept by a moderator")

    @admin.action(description="Discount: do not count the selected reviews in ratings")
    def discount_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.override(request, queryset, 0.0, "discounted by a moderator")

    @admin.action(description="Clear the moderator's decision (use computed trust again)")
    def clear_override(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self.override(request, queryset, None, "")

    def override(
        self, request: HttpRequest, queryset: QuerySet[Review], trust: float | None, note: str
    ) -> None:
        for review in queryset.select_related("book"):
            override_trust(review, by=request.user, trust=trust, note=note)
        messages.success(request, f"Updated {queryset.count()} review(s); ratings recomputed.")

    @admin.action(description="Hide selected reviews (they leave the page and the rating)")
    def hide_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset.select_related("book"):
            hide_review(review, by=request.user, reason="Hidden by a moderator")
        messages.success(request, f"Hid {queryset.count()} review(s).")

    @admin.action(description="Restore selected reviews")
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset.select_related("book"):
            restore_review(review, by=request.user)
        messages.success(request, f"Restored {queryset.count()} review(s).")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["review", "reason", "reporter", "created_at", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["review", "reporter"]
    readonly_fields = ["resolved_by"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["user", "book", "ordered_at", "source"]
    search_fields = ["user__username", "book__title", "book__isbn13"]
    raw_id_fields = ["user", "book"]

    def save_model(self, request: HttpRequest, obj: Order, form: object, change: bool) -> None:
        save_order(obj)

    def delete_model(self, request: HttpRequest, obj: Order) -> None:
        delete_orders(Order.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        delete_orders(queryset)
