"""The signed-in reader's settings pages: profile, API tokens, their data, closing the
account. (Changing the password is Django's own view, at /accounts/password_change/.)"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from candor.accounts import everything
from candor.accounts.forms import ApiTokenForm, CloseAccountForm, ProfileForm
from candor.accounts.models import Profile
from candor.accounts.services import close_account, update_profile


@login_required
def profile_settings(request: HttpRequest) -> HttpResponse:
    profile = Profile.objects.filter(user=request.user).first()
    initial = {"display_name": profile.display_name, "bio": profile.bio} if profile else {}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        update_profile(request.user, form.cleaned_data["display_name"], form.cleaned_data["bio"])
        messages.success(request, "Your profile was saved.")
        return redirect("account_settings")
    return render(request, "accounts/settings_profile.html", {"form": form, "tab": "profile"})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    context = {
        "api_tokens": request.user.api_tokens.filter(revoked_at=None),
        "token_form": ApiTokenForm(),
        "tab": "tokens",
    }
    return render(request, "accounts/settings_tokens.html", context)


@login_required
def your_data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings_data.html", {"tab": "data"})


@login_required
def download_everything(request: HttpRequest) -> HttpResponse:
    """Everything Candor holds about the signed-in reader, as one JSON file."""
    response = HttpResponse(everything.as_json(request.user), content_type="application/json")
    filename = f"candor-data-{request.user.get_username()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Close the signed-in reader's own account, after their password and their choice
    for their reviews. Staff accounts are closed by another administrator in the admin,
    so that a site is never left without one by a click."""
    user = request.user
    if user.is_staff or user.is_superuser:
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/settings_delete.html", {"tab": "delete"}, status=status)
    form = CloseAccountForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        kept = close_account(user, keep_reviews=form.keep_reviews)
        logout(request)
        messages.success(
            request,
            "Your account was deleted."
            + (" Your reviews stay, without your name." if kept else ""),
        )
        return redirect("home")
    return render(request, "accounts/settings_delete.html", {"form": form, "tab": "delete"})
