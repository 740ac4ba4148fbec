from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from candor.accounts.forms import SignupForm
from candor.accounts.services import create_account


def safe_next(request: HttpRequest) -> str | None:
    """The ?next= address when it stays on this site; never an open redirect."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else None


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
    reviews = person.reviews.filter(hidden=False).select_related("book").order_by("-created_at")
    return render(request, "accounts/profile.html", {"person": person, "reviews": reviews})
