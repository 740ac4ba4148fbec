"""The moderation desk's pages: the queue with its decisions, the order form, the log.

Only staff allowed to change reviews use them: a visitor who is not signed in is sent
to sign in, a signed-in reader gets 403. Each change goes through
`candor.reviews.moderation`, which logs it.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from candor.desk.forms import DecisionForm
from candor.desk.queue import SHOWS, Queue, counts, desk_items, log_entries
from candor.reviews import moderation
from candor.reviews.forms import OrderForm
from candor.reviews.models import Review
from candor.reviews.trust_levels import DOWNWEIGHTED_BELOW

PER_PAGE = 20
LOG_ON_DESK = 10
LOG_PER_PAGE = 50
View = Callable[..., HttpResponse]


def staff_only(permission: str) -> Callable[[View], View]:
    """For staff who hold ``permission``: others signed in get 403, visitors sign in."""

    def guard(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not (user.is_staff and user.has_perm(permission)):
                raise PermissionDenied("The moderation desk is for staff.")
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return guard


def place(data: Any) -> dict[str, str]:
    """Which part and page of the queue the moderator was on (kept across a decision)."""
    show = data.get("show", "all")
    return {"show": show if show in SHOWS else "all", "page": str(data.get("page") or 1)}


def desk_url(where: dict[str, str]) -> str:
    return f"{reverse('desk:queue')}?{urlencode(where)}"


def decision_form(review_id: int, data: Any = None) -> DecisionForm:
    return DecisionForm(data, auto_id=f"id_%s_{review_id}")


def render_desk(
    request: HttpRequest,
    where: dict[str, str],
    failed: DecisionForm | None = None,
    failed_review: int | None = None,
    order_form: OrderForm | None = None,
) -> HttpResponse:
    page = Paginator(Queue(where["show"]), PER_PAGE).get_page(where["page"])
    waiting = counts()
    items = desk_items(list(page.object_list))
    rows = [
        (
            item,
            failed
            if failed is not None and item.review.pk == failed_review
            else decision_form(item.review.pk),
        )
        for item in items
    ]
    context = {
        "rows": rows,
        "page": page,
        "show": where["show"],
        "tabs": [(key, label, waiting[key]) for key, label in SHOWS.items()],
        "threshold": DOWNWEIGHTED_BELOW,
        "failed": failed,
        "order_form": order_form or OrderForm(),
        "log": log_entries()[:LOG_ON_DESK],
    }
    bad = failed is not None or (order_form is not None and order_form.errors)
    return render(request, "desk/desk.html", context, status=400 if bad else 200)


@staff_only("reviews.change_review")
def queue(request: HttpRequest) -> HttpResponse:
    return render_desk(request, place(request.GET))


@require_POST
@staff_only("reviews.change_review")
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    """Carry out a decision on one review, or show the desk again with the form's error."""
    review = get_object_or_404(Review.objects.select_related("user", "book"), pk=review_id)
    where = place(request.POST)
    form = decision_form(review.pk, request.POST)
    if form.is_valid():
        try:
            entry = moderation.decide(
                review, request.user, form.cleaned_data["decision"], form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            resolved = entry.resolved_reports.count()
            reports = "report" if resolved == 1 else "reports"
            suffix = f"; {resolved} {reports} resolved" if resolved else ""
            messages.success(request, f"{entry.get_action_display()}: {entry.subject}{suffix}.")
            return redirect(desk_url(where))
    return render_desk(request, where, failed=form, failed_review=review.pk)


@require_POST
@staff_only("reviews.add_order")
def enter_order(request: HttpRequest) -> HttpResponse:
    """Record an order typed in by staff (buyer by username or e-mail, book by ISBN)."""
    form = OrderForm(request.POST)
    if not form.is_valid():
        return render_desk(request, place(request.POST), order_form=form)
    data = form.cleaned_data
    order = moderation.enter_order(
        request.user, data["buyer"], data["isbn"], data["ordered_at"], "desk", data["note"]
    )
    messages.success(
        request,
        f"Order recorded: {order.user.get_username()} bought “{order.book.title}” "
        f"on {order.ordered_at:%Y-%m-%d}.",
    )
    return redirect(f"{desk_url(place(request.POST))}#orders")


@staff_only("reviews.change_review")
def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(log_entries(), LOG_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "desk/log.html", {"page": page})
