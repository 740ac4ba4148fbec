from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from candor.accounts import exports
from candor.accounts.forms import ApiTokenForm, SignupForm
from candor.accounts.services import create_account
from candor.accounts.tokens import create_token, revoke_token
from candor.catalog.site_urls import configured_root


def safe_next(request: HttpRequest) -> str | None:
    """The ?next= address when it stays on this site; never an open redirect."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else None


class PasswordResetOnSite(auth_views.PasswordResetView):
    """Django's password reset; the link it e-mails is on SITE_URL, so a request sent with
    another Host header cannot make Candor mail a link to someone else's site."""

    @property  # type: ignore[override]
    def extra_email_context(self) -> dict[str, str] | None:
        root = urlsplit(configured_root())
        if not root.netloc:
            return None  # development without SITE_URL: the request's host
        return {"protocol": root.scheme, "domain": root.netloc, "site_name": settings.SITE_NAME}


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profile", request.user.get_username())
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = create_account(
            data["username"], data["email"], data["password1"], data["display_name"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Candor! Your account is ready.")
        return redirect(safe_next(request) or "home")
    return render(request, "registration/signup.html", {"form": form})


def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(
        User.objects.select_related("profile"), username=username, is_active=True
    )
    reviews = person.reviews.visible().select_related("book").order_by("-created_at")
    return render(request, "accounts/profile.html", {"person": person, "reviews": reviews})


@login_required
def create_api_token(request: HttpRequest) -> HttpResponse:
    """Make a token and show it once; only its hash is kept."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, raw = create_token(request.user, form.cleaned_data["name"])
        response = render(request, "accounts/token_created.html", {"token": token, "raw": raw})
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "accounts/token_form.html", {"token_form": form, "tab": "tokens"})


@require_POST
@login_required
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if revoke_token(request.user, token_id):
        messages.success(request, "The token was revoked: it no longer works.")
    else:
        messages.error(request, "No such active token.")
    return redirect("api_tokens")


@login_required
def download_reviews(request: HttpRequest, fmt: str) -> HttpResponse:
    """The signed-in user's own reviews, as a CSV or JSON file."""
    rows = exports.own_reviews(request.user)
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.as_json(rows), content_type="application/json")
    filename = f"candor-reviews-{request.user.get_username()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
