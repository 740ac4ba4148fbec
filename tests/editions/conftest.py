"""Fixtures for works and editions: one work in three editions."""

from typing import Any

import pytest

from candor.catalog.editions import Actor, attach
from candor.catalog.models import Book


@pytest.fixture
def three_editions(make_book: Any, make_user: Any, write: Any, staff: Any) -> list[Book]:
    """A well-reviewed English hardcover (six reviews), a German paperback translation
    (two), and a new e-book (none), linked by staff into one work."""
    hardcover = make_book("The Long Shore", format="hardcover", language="en", year=2001)
    paperback = make_book("Das lange Ufer", format="paperback", language="de", year=2005)
    ebook = make_book("The Long Shore", format="ebook", language="en", year=2020)
    for i, stars in enumerate([5, 5, 4, 5, 4, 5]):
        write(make_user(f"hard{i}"), hardcover, stars, f"Hardcover review {i}", 300 - i * 20)
    for i, stars in enumerate([2, 3]):
        write(make_user(f"soft{i}"), paperback, stars, f"Paperback review {i}", 30 - i)
    actor = Actor(staff, "admin", "same novel: translation and e-book")
    attach([paperback, ebook], Book.objects.get(pk=hardcover.pk).work, actor)
    return [Book.objects.get(pk=book.pk) for book in (hardcover, paperback, ebook)]
