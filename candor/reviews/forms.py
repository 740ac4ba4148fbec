from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book
from candor.reviews.limits import NOTE_MAX, REPORT_NOTE_MAX, TEXT_MAX, TITLE_MAX
from candor.reviews.models import READER_REASONS, Order
from candor.reviews.services import ReviewDraft

STAR_CHOICES = [(n, f"{n} star" + ("s" if n > 1 else "")) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a star rating from 1 to 5."},
    )
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "What's most important to know?"}),
    )
    text = forms.CharField(
        label="Your review",
        max_length=TEXT_MAX,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "What did you like or dislike?"}),
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if "\x00" in text:
            raise forms.ValidationError("The text contains a null character.")
        return text

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"]
        if "\x00" in title:
            raise forms.ValidationError("The title contains a null character.")
        return title

    def draft(self) -> ReviewDraft:
        data = self.cleaned_data
        return ReviewDraft(rating=data["rating"], title=data["title"], text=data["text"])


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(reason.value, reason.label) for reason in READER_REASONS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Details (optional)",
        max_length=REPORT_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def find_buyer(value: str) -> User:
    """The account a person names by username or e-mail address (staff's order forms);
    a clear error when there is none, or when an address is shared by several."""
    named = value.strip()
    by_name = User.objects.filter(username=named).first()
    if by_name is not None:
        return by_name
    by_email = list(User.objects.filter(email__iexact=named)[:2])
    if len(by_email) > 1:
        raise forms.ValidationError(
            f"Several accounts use {named}; enter the buyer's username instead."
        )
    if not by_email:
        raise forms.ValidationError(f"No account has the username or e-mail address {named!r}.")
    return by_email[0]


def find_book(value: str) -> Book:
    """The catalogue's book with this ISBN (ISBN-10 or ISBN-13, with or without hyphens)."""
    isbn13 = normalize_isbn(value)
    book = Book.objects.filter(isbn13=isbn13).first()
    if book is None:
        raise forms.ValidationError(f"No book in the catalogue has the ISBN {isbn13}.")
    return book


def not_in_the_future(form: forms.BaseForm) -> date:
    ordered: date = form.cleaned_data["ordered_at"]
    if ordered > timezone.localdate():
        raise forms.ValidationError("An order cannot be dated in the future.")
    return ordered


class OrderFields(forms.Form):
    """What staff type to record an order: who bought which book, and when. The buyer
    and the book are named as people know them (a username or e-mail address, an ISBN),
    never by database ids."""

    buyer = forms.CharField(
        label="Buyer", max_length=254, help_text="Their username or e-mail address."
    )
    isbn = forms.CharField(label="ISBN", max_length=20, help_text="ISBN-13 or ISBN-10.")

    def clean_buyer(self) -> User:
        return find_buyer(self.cleaned_data["buyer"])

    def clean_isbn(self) -> Book:
        return find_book(self.cleaned_data["isbn"])


class OrderForm(OrderFields):
    """The moderation desk's order form."""

    ordered_at = forms.DateField(
        label="Ordered on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date like 2025-03-31."},
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=NOTE_MAX,
        required=False,
        help_text="For the audit log, e.g. the shop's order number.",
    )

    clean_ordered_at = not_in_the_future


class OrderAdminForm(forms.ModelForm):
    """The admin's order form: the buyer and the book by username or e-mail and ISBN
    instead of the model's numeric ids."""

    buyer = OrderFields.base_fields["buyer"]
    isbn = OrderFields.base_fields["isbn"]

    class Meta:
        model = Order
        fields = ["ordered_at", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("buyer", self.instance.user.get_username())
            self.initial.setdefault("isbn", self.instance.book.isbn13)
        self.order_fields(["buyer", "isbn", "ordered_at", "source"])

    clean_buyer = OrderFields.clean_buyer
    clean_isbn = OrderFields.clean_isbn
    clean_ordered_at = not_in_the_future

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        buyer, book = cleaned.get("buyer"), cleaned.get("isbn")
        if buyer is None or book is None:
            return cleaned
        self.instance.user, self.instance.book = buyer, book
        when, source = cleaned.get("ordered_at"), cleaned.get("source")
        same = Order.objects.filter(user=buyer, book=book, ordered_at=when, source=source)
        if same.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This order is already recorded.")
        return cleaned
