from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews.limits import NOTE_MAX, REPORT_NOTE_MAX, TEXT_MAX, TITLE_MAX
from candor.reviews.trust_levels import DOWNWEIGHTED_BELOW


def moderator() -> models.ForeignKey:
    """A moderator who acted on a review (kept NULL if the account goes); indexed only
    where set, by the model's Meta."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )


# The one definition of a visible review, as a condition: the queryset below, the partial
# indexes of the lists and of the rating store (Meta), and the store's PostgreSQL COPY
# query ("NOT hidden AND withdrawn_at IS NULL") say the same.
VISIBLE = Q(hidden=False, withdrawn_at__isnull=True)


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible(self) -> "ReviewQuerySet":
        """Reviews shown on the site and counted in ratings: not hidden by a moderator and
        not withdrawn by their author."""
        return self.filter(VISIBLE)

    def current(self) -> "ReviewQuerySet":
        """Reviews that exist for their authors: all but the ones they withdrew (hidden
        ones included: the author still sees and edits those)."""
        return self.filter(withdrawn_at__isnull=True)


class Review(models.Model):
    # No index of its own: review_one_per_user_per_book's index leads with the book.
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    text = models.TextField(max_length=TEXT_MAX, blank=True)
    # When the review was first posted; edits keep it (verification compares orders to it).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    verified_purchase = models.BooleanField(default=False)
    # The votes that count (HelpfulVote.counted, by services.vote_helpful and
    # services.recount_helpful), plus the count an imported file carried: lists sort by
    # helpfulness through an index instead of counting every review's votes.
    helpful_count = models.PositiveIntegerField(default=0)
    # When the author deleted (withdrew) the review: it leaves pages, lists, the API and
    # the rating, but the row stays, with its date, moderation, reports and trust, so
    # that posting again on the same book brings all of it back (services.save_review).
    # Staff deletes and deleted accounts remove rows for real.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Indexes on the moderation columns hold the few reviews they apply to (see Meta):
    # a full index on each would be kept up to date for every review posted or imported.
    hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = moderator()
    hidden_reason = models.CharField(max_length=NOTE_MAX, blank=True)
    # Trust analysis (candor.trust): the probability the review is genuine, and why not.
    trust = models.FloatField(default=1.0)
    trust_reasons = models.JSONField(default=list, blank=True)
    trust_scored_at = models.DateTimeField(null=True, blank=True)
    # When a batch run (`candor trust`) last recorded the trust: from then until the
    # next run, an edit can lower the trust, never raise it (services.apply_live_trust).
    trust_batch_at = models.DateTimeField(null=True, blank=True)
    # The hash of the title and text whose LSH bands TextBand holds (NULL: none yet), so
    # `candor trust` can find texts changed or loaded without them (imports).
    text_hash = models.BigIntegerField(null=True, blank=True)
    # A moderator's decision replaces the computed trust until cleared.
    trust_override = models.FloatField(null=True, blank=True)
    trust_override_by = moderator()
    trust_override_at = models.DateTimeField(null=True, blank=True)
    trust_override_note = models.CharField(max_length=NOTE_MAX, blank=True)
    # Where an imported review came from, e.g. "amazon:USER:PARENT_ASIN:TIMESTAMP";
    # re-imports find the review by it. NULL for reviews written on the site.
    # Unique by a constraint rather than unique=True, which on PostgreSQL adds a second
    # index for LIKE queries that nothing makes. NULL, not "", for the site's own
    # reviews: the constraint leaves NULLs alone.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Partial indexes on visible reviews (VISIBLE: withdrawn reviews are left out like
        # hidden ones): the book page's list (sorted by helpfulness or date, optionally one
        # star) reads ten rows from an index, whatever the book's size.
        indexes = [
            models.Index(
                fields=["book", "-helpful_count", "-created_at", "-id"],
                condition=VISIBLE,
                name="review_list_helpful",
            ),
            # Also covers what a rating reads (store.visible_columns; "hidden" and
            # "withdrawn_at" too, or SQLite reads each row to test them): recomputing a
            # book with 100,000 reviews then reads this index alone, in half the time the
            # rows took.
            models.Index(
                fields=[
                    "book",
                    "-created_at",
                    "-id",
                    "rating",
                    "verified_purchase",
                    "trust",
                    "trust_override",
                    "hidden",
                    "withdrawn_at",
                ],
                condition=VISIBLE,
                name="review_list_recent",
            ),
            models.Index(
                fields=["book", "rating", "-helpful_count", "-created_at"],
                condition=VISIBLE,
                name="review_list_by_star",
            ),
            # The moderation desk's low-trust queue: visible, undecided reviews below the
            # down-weighted line (candor.reviews.trust_levels), lowest trust first. Only
            # those rows are in it, so posting a trusted review does not touch it.
            models.Index(
                fields=["trust", "id"],
                condition=VISIBLE & Q(trust_override__isnull=True, trust__lt=DOWNWEIGHTED_BELOW),
                name="review_desk_queue",
            ),
            models.Index(fields=["-hidden_at"], condition=Q(hidden=True), name="review_hidden"),
            models.Index(
                fields=["hidden_by"],
                condition=Q(hidden_by__isnull=False),
                name="review_hidden_by",
            ),
            models.Index(
                fields=["trust_override_by"],
                condition=Q(trust_override_by__isnull=False),
                name="review_trust_override_by",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["book", "user"], name="review_one_per_user_per_book"),
            models.UniqueConstraint(fields=["external_id"], name="review_external_id_unique"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("title"), TITLE_MAX), name="review_title_length"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), TEXT_MAX), name="review_text_length"
            ),
            models.CheckConstraint(
                condition=Q(trust__gte=0, trust__lte=1), name="review_trust_probability"
            ),
            models.CheckConstraint(
                condition=Q(trust_override__isnull=True)
                | Q(trust_override__gte=0, trust_override__lte=1),
                name="review_trust_override_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ by {self.user} on {self.book}"

    @property
    def effective_trust(self) -> float:
        """What the rating uses: the moderator's decision if any, else the computed trust."""
        return self.trust if self.trust_override is None else self.trust_override


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Copied from the review so the database itself can refuse a vote on one's own review.
    review_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Whether the vote is counted in the review's helpful_count: only votes from accounts
    # at least a week old when they voted, whose own reviews are not distrusted
    # (candor.trust.live.vote_counts). Set by services.vote_helpful and, as trust changes,
    # services.recount_helpful. True by default (in the database too): votes written
    # without the services (the demo, bulk loads) are counted, as they always were.
    counted = models.BooleanField(default=True, db_default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "voter"], name="vote_once_per_review"),
            models.CheckConstraint(
                condition=~Q(voter=F("review_author")), name="vote_not_on_own_review"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter} found review {self.review_id} helpful"


class AuditEntry(models.Model):
    """One thing staff did, for the moderation desk's log: a decision on a review (with
    the note the desk and the admin require), a review deleted for real, or an order
    entered by hand. Written by `candor.reviews.moderation` only, never edited.

    The review's reader and book are kept beside the review, and the review itself as a
    sentence (``subject``), so the entry still says what it was about after the review,
    the account or the book is gone; ``moderator_name`` likewise keeps who did it."""

    class Action(models.TextChoices):
        KEEP = "keep", "Kept"
        DISCOUNT = "discount", "Discounted"
        HIDE = "hide", "Hidden"
        RESTORE = "restore", "Restored"
        CLEAR = "clear", "Decision cleared"
        DELETE = "delete", "Deleted"
        ORDER = "order", "Order entered"
        ORDER_DELETE = "order-delete", "Order deleted"

    action = models.CharField(max_length=20, choices=Action.choices)
    moderator = moderator()
    moderator_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(max_length=NOTE_MAX, blank=True)
    review = models.ForeignKey(
        Review,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        db_index=False,  # the (review, created_at) index below leads with it
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    book = models.ForeignKey(
        Book, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    subject = models.CharField(max_length=300)
    # The trust that counted just before a decision on a review (NULL for orders).
    trust_before = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_recent"),
            models.Index(fields=["review", "-created_at"], name="audit_review"),
            models.Index(fields=["reader", "book"], name="audit_reader_book"),
            models.Index(
                fields=["moderator"], condition=Q(moderator__isnull=False), name="audit_moderator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.moderator_name}: {self.subject}"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        FAKE = "fake", "Fake or paid review"
        OFFENSIVE = "offensive", "Offensive or abusive"
        OFF_TOPIC = "off-topic", "Not about this book"
        OTHER = "other", "Something else"
        # Not a reader's choice: Candor's own report, when the author edits a review
        # that a moderator kept (services.save_review).
        EDITED = "edited", "Edited after a moderator's decision"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    # NULL: reported by Candor itself (Reason.EDITED), not by a reader.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(max_length=REPORT_NOTE_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The decision that resolved it, with its note (NULL: open, or resolved before the
    # desk kept decisions).
    decision = models.ForeignKey(
        AuditEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resolved_reports",
    )

    class Meta:
        ordering = ["-created_at"]
        # The desk's queue starts from the open reports, a few among many resolved ones.
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(resolved_at__isnull=True), name="report_open"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="report_once_per_review"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on review {self.review_id}"


READER_REASONS = [reason for reason in Report.Reason if reason != Report.Reason.EDITED]
"""The reasons a reader can give (the form's and the API's choices)."""


class TextBand(models.Model):
    """One LSH band key of a review's text (candor.trust.live.text_bands): reviews whose
    texts share a key are candidates for a copy, checked by their exact Jaccard
    similarity when a review is posted. Derived from the text: written with it by
    services.save_review, and for texts loaded without it by `candor trust`."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"text band {self.key} of review {self.review_id}"


class Order(models.Model):
    """A purchase: makes the buyer's review of the book a verified purchase."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders"
    )
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="orders")
    ordered_at = models.DateField()
    source = models.CharField(max_length=100, default="admin")

    class Meta:
        ordering = ["-ordered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "book", "ordered_at", "source"], name="order_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} bought {self.book} on {self.ordered_at}"


class CataloguePrior(models.Model):
    """The catalogue prior as `candor.reviews.store.recompute_prior` computed it: the
    newest row is the one every rating uses (METHOD.md, "The prior")."""

    alpha = models.JSONField(help_text="Pseudo-ratings per star, 1 star first")
    books = models.PositiveIntegerField(help_text="Books with evidence that it averages")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"Catalogue prior of {self.computed_at:%Y-%m-%d %H:%M}"
