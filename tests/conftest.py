"""Fixtures named by persona: owner (wrote the review), other_user, anonymous, staff."""

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from candor.accounts.services import create_account
from candor.catalog.models import Book, Contribution, Person, Publisher, Series
from candor.ratings import VIEWS, RatingResult, ReviewInput, rate
from candor.reviews import store
from candor.reviews.models import Review
from candor.reviews.services import ReviewDraft, submit_review

_isbn_counter = itertools.count(1)
PASSWORD = "a-long-test-passphrase"


def make_isbn13() -> str:
    """A valid, unique ISBN-13 (978 prefix, checksum computed)."""
    body = f"978{next(_isbn_counter):09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Test accounts get cheap password hashes: Django's default costs about half a
    second per account, which the suite would pay hundreds of times. Every server the
    tests sign in to runs in this process, with these settings."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture
def make_book(db: Any) -> Callable[..., Book]:
    def make(title: str = "A Test Book", **fields: Any) -> Book:
        authors = fields.pop("authors", ["Ada Author"])
        fields.setdefault("isbn13", make_isbn13())
        book = Book.objects.create(title=title, **fields)
        for position, name in enumerate(authors):
            person = Person.objects.filter(name=name).first() or Person.objects.create(name=name)
            role = Contribution.Role.AUTHOR if position == 0 else Contribution.Role.CO_AUTHOR
            Contribution.objects.create(book=book, person=person, role=role, position=position)
        return book

    return make


@pytest.fixture
def book(make_book: Callable[..., Book]) -> Book:
    publisher = Publisher.objects.create(name="Stanford University Press", city="Stanford")
    series = Series.objects.create(name="Studies in Testing", slug="studies-in-testing")
    return make_book(
        "Uncertain Partners",
        subtitle="Stalin, Mao, and the Korean War",
        authors=["Sergei N. Goncharov", "John W. Lewis", "Xue Litai"],
        publisher=publisher,
        series=series,
        series_volume=3,
        year=1993,
        pages=393,
        illustrations="12 photographs, 2 maps",
        price=Decimal("32.50"),
        currency="USD",
        buy_url="https://shop.example.com/buy/9780804721158",
        description="A study of the alliance that went to war.",
        isbn13="9780804721158",
    )


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """An established reader: the account was opened ``joined_days_ago`` days ago (a
    year, unless a test says otherwise). Reviews from accounts less than a month old
    count less, and their helpful votes not at all (candor.trust.live): tests of other
    things are about readers who have been here a while."""

    def make(username: str, joined_days_ago: float = 365, **kwargs: Any) -> User:
        user = create_account(username, f"{username}@example.com", PASSWORD, **kwargs)
        user.date_joined = timezone.now() - timedelta(days=joined_days_ago)
        User.objects.filter(pk=user.pk).update(date_joined=user.date_joined)
        return user

    return make


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("owner", display_name="Olive Owner")


@pytest.fixture
def other_user(make_user: Callable[..., User]) -> User:
    return make_user("other")


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    user = make_user("staff")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def write(db: Any) -> Callable[..., Review]:
    """Post a review through the service, optionally dated in the past."""

    def post(
        user: User, book: Book, rating: int, text: str = "", days_ago: int = 0, **kw: Any
    ) -> Review:
        when: datetime = timezone.now() - timedelta(days=days_ago)
        return submit_review(user, book, ReviewDraft(rating, kw.get("title", ""), text), when)

    return post


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Each test starts without an earlier test's rate-limit counters."""
    from django.core.cache import cache

    cache.clear()


def scratch(book: Book, view: str = "candor", edition: bool = False) -> RatingResult:
    """The rating in ``view`` of the book's work (of the book's own reviews with
    ``edition``) computed now from its visible reviews, read the ORM way (a reader who
    reviewed several editions counted once, by their latest review) and rated by
    `candor.ratings.rate` with the stored catalogue prior: what the rating store must
    show."""
    now = timezone.now()
    visible = Review.objects.visible().order_by("-created_at", "-pk")
    if edition:
        visible = visible.filter(book_id=book.pk)
    else:
        visible = visible.filter(book__work_id=book.work_id)
    latest: dict[int, Review] = {}
    for review in visible:
        latest.setdefault(review.user_id, review)
    reviews = [
        ReviewInput(
            rating=review.rating,
            created_at=min(review.created_at, now),
            verified=review.verified_purchase,
            trust=review.effective_trust,
        )
        for review in latest.values()
    ]
    return rate(reviews, now=now, prior=store.current_prior().prior, view=view)


def assert_stored_is_scratch(*books: Book) -> None:
    """Every view of each book's stored rating (its work's, and its own as an edition),
    and its listing fields, equal a from-scratch recompute."""
    for book in books:
        fresh = Book.objects.get(pk=book.pk)
        for view, edition in itertools.product(VIEWS, (False, True)):
            stored = store.shown(fresh, view, edition).result
            expected = scratch(fresh, view, edition)
            assert stored.count == expected.count, (view, edition)
            assert stored.stars == expected.stars, (view, edition)
            assert stored.effective_count == pytest.approx(expected.effective_count), view
            if expected.rating is None:
                assert stored.rating is None, (view, edition)
            else:
                assert stored.rating == pytest.approx(expected.rating, abs=1e-9), (view, edition)
        candor = store.shown(fresh).result
        assert (fresh.rating, fresh.rating_count) == (candor.rating, candor.count)
        own = store.shown(fresh, edition=True).result
        assert (fresh.edition_rating, fresh.edition_rating_count) == (own.rating, own.count)


def stored(book: Book, view: str = "candor") -> RatingResult:
    """What every page, list and the API show of the book's rating in ``view``: the rating
    store's, read afresh as another server process would."""
    return store.shown(Book.objects.get(pk=book.pk), view).result
