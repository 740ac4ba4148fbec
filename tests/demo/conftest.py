"""`candor demo`, run twice once for the tests of this folder (it takes a while): what
each run left in the database, and what it printed. The database is emptied after."""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from candor.catalog.models import Book, EditionChange, Subject, Work
from candor.essays.models import Essay
from candor.reviews.models import AuditEntry, HelpfulVote, Order, Report, Review


@dataclass(frozen=True)
class DemoRuns:
    first: dict[str, Any]  # what the first run left
    second: dict[str, Any]  # and the second
    output: str  # both runs' output


def snapshot() -> dict[str, Any]:
    """Every count a second run must not change, and each review's trust and helpful count."""
    models = (
        Book,
        Work,
        Subject,
        EditionChange,
        User,
        Review,
        HelpfulVote,
        Order,
        Report,
        AuditEntry,
        Essay,
    )
    counts: dict[str, Any] = {model.__name__: model.objects.count() for model in models}
    counts["counted votes"] = HelpfulVote.objects.filter(counted=True).count()
    counts["reviews"] = sorted(
        Review.objects.values_list(
            "user__username", "book__isbn13", "trust", "trust_override", "helpful_count"
        )
    )
    # Rounded: a rating weighs reviews by their age, which grows between the runs.
    counts["ratings"] = sorted(
        (isbn, None if rating is None else round(rating, 4), n)
        for isbn, rating, n in Book.objects.values_list("isbn13", "rating", "rating_count")
    )
    return counts


@pytest.fixture(scope="package")
def demo(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[DemoRuns]:
    request.getfixturevalue("django_db_setup")  # the test database, made once per run
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("demo", stdout=out)
        first = snapshot()
        call_command("demo", stdout=out)
        yield DemoRuns(first, snapshot(), out.getvalue())
        call_command("flush", interactive=False, verbosity=0)
