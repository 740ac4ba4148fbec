from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="Used only to reset your password.")
    display_name = forms.CharField(
        max_length=80, required=False, help_text="Shown with your reviews."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "display_name")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text='What the token is for, e.g. "shop sync".', strip=True
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if "\x00" in name:
            raise forms.ValidationError("The name contains a null character.")
        return name


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=80,
        required=False,
        strip=True,
        help_text="Shown with your reviews; your username is shown when it is empty.",
    )
    bio = forms.CharField(
        max_length=1000,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A few lines about you, shown on your profile. Up to 1000 characters.",
    )


class CloseAccountForm(forms.Form):
    """Closing an account asks for its password (a left-open session is not enough) and
    for what becomes of its reviews; neither has a default."""

    REMOVE, KEEP = "remove", "keep"
    reviews = forms.ChoiceField(
        label="Your reviews",
        choices=[
            (REMOVE, "Delete them: they leave the site and the ratings."),
            (KEEP, "Keep them without my name: they stay, shown as by “a former reader”."),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what becomes of your reviews."},
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right.")
        return password

    @property
    def keep_reviews(self) -> bool:
        return bool(self.cleaned_data["reviews"] == self.KEEP)
