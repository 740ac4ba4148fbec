"""The demo's moderation: a staff account, a report a moderator resolved with a note,
and one report still waiting on the desk.

Everything goes through the services a moderator's click does (`services.report_review`,
`moderation.decide`), so the decision is in the audit log, resolves the report and
changes the book's rating exactly as on the desk. Run after the trust analysis, so the
log records the trust the analysis gave the review before the decision. Idempotent: a
report is filed once per reader and review, and decided only while it is open.
"""

import os

from django.contrib.auth.models import User

from candor.accounts.models import Profile
from candor.demo import campaign
from candor.reviews import moderation, services
from candor.reviews.models import Report, Review

EDITOR = "editor"
REPORTER = "ellie_chen"
REPORT_NOTE = (
    "Fourteen five-star reviews of Moby-Dick in two days, from accounts nobody has seen "
    "before, all saying the same thing in nearly the same words."
)
DECISION_NOTE = (
    "Checked: one of 14 near-identical five-star reviews posted within two days by "
    "accounts opened that week (trust analysis: copied text, burst). Kept visible so "
    "readers can see it, counted for nothing."
)
WAITING_ISBN = "9780062316097"  # Sapiens: a harsh review a fan reported
WAITING_REPORTER = "pbarnes"
WAITING_NOTE = (
    "I disagree with this review, and I am not sure that is a reason to report it. "
    "Could someone have a look?"
)


def ensure_editor() -> tuple[User, str | None]:
    """The local moderator account, and its password when it was just created."""
    password = os.environ.get("CANDOR_DEMO_PASSWORD", "candor-demo")
    user, created = User.objects.get_or_create(
        username=EDITOR,
        defaults={"email": "editor@demo.invalid", "is_staff": True, "is_superuser": True},
    )
    if not created:
        return user, None
    user.set_password(password)
    user.save()
    Profile.objects.create(user=user, display_name="Demo editor")
    return user, password


def moderate(editor: User) -> int:
    """File the demo's reports and decide the first; how many decisions were made now."""
    decided = 0
    copy = Review.objects.get(
        book__isbn13=campaign.BOOK_ISBN, user__username=campaign.ACCOUNTS[1][0]
    )
    reporter = User.objects.get(username=REPORTER)
    services.report_review(reporter, copy, Report.Reason.FAKE, REPORT_NOTE)
    if Report.objects.filter(review=copy, reporter=reporter, resolved_at=None).exists():
        moderation.decide(copy, editor, moderation.Action.DISCOUNT, DECISION_NOTE)
        decided += 1
    harsh = (
        Review.objects.filter(book__isbn13=WAITING_ISBN, rating__lte=2)
        .exclude(user__username=WAITING_REPORTER)
        .order_by("created_at", "pk")
        .first()
    )
    if harsh is not None:
        waiting = User.objects.get(username=WAITING_REPORTER)
        services.report_review(waiting, harsh, Report.Reason.OTHER, WAITING_NOTE)
    return decided
