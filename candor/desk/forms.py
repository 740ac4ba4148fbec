from django import forms

from candor.reviews.limits import NOTE_MAX
from candor.reviews.moderation import DECISIONS, NOTE_REQUIRED


class DecisionForm(forms.Form):
    """A moderator's decision on one review: which, and the note saying why (required;
    it is stored with the decision, in the audit log and on the reports it resolves)."""

    decision = forms.ChoiceField(choices=[(action.value, action.label) for action in DECISIONS])
    note = forms.CharField(
        label="Note (why; required)",
        max_length=NOTE_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": NOTE_REQUIRED},
    )
