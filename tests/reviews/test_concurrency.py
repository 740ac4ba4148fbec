"""Two readers posting and voting on the same book at once: counts stay exact."""

import threading

import pytest
from django.db import close_old_connections, connection

from candor.reviews.models import HelpfulVote, Review
from candor.reviews.services import ReviewDraft, submit_review, vote_helpful
from tests.conftest import assert_stored_is_scratch, stored

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*jobs) -> list[BaseException]:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def runner(job) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            job()
        except BaseException as error:  # reported to the test, which fails on any
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_posts_and_votes_keep_the_rating_exact(book, make_user) -> None:
    authors = [make_user(f"author{i}") for i in range(4)]
    voters = [make_user(f"voter{i}") for i in range(4)]
    target = submit_review(make_user("target"), book, ReviewDraft(3, "", ""))
    jobs = [lambda u=u: submit_review(u, book, ReviewDraft(5, "", "")) for u in authors]
    jobs += [lambda v=v: vote_helpful(v, target) for v in voters]
    assert run_together(*jobs) == []
    assert Review.objects.filter(book=book).count() == 5
    assert HelpfulVote.objects.filter(review=target).count() == 4
    assert stored(book).count == 5
    assert_stored_is_scratch(book)
