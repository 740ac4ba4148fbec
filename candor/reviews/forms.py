from django import forms

from candor.reviews.limits import REPORT_NOTE_MAX, TEXT_MAX, TITLE_MAX
from candor.reviews.models import READER_REASONS
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
