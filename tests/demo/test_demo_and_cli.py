"""`candor demo` loads the demo catalogue (its hand-written Cold War shelf here; the rest
in test_demo_story.py); the candor command's interface."""

import subprocess
import sys

import pytest

from candor.catalog.models import Book
from candor.reviews.models import Review
from tests.conftest import client_for
from tests.demo.conftest import DemoRuns

pytestmark = pytest.mark.django_db


def test_demo_loads_required_books_and_is_idempotent(demo: DemoRuns) -> None:
    assert demo.second == demo.first
    partners = Book.objects.get(title="Uncertain Partners")
    assert partners.subtitle == "Stalin, Mao, and the Korean War"
    assert partners.publisher.name == "Stanford University Press" and partners.year == 1993
    assert partners.series.name == "Studies in International Security and Arms Control"
    assert [c.person.name for c in partners.contributions.all()] == [
        "Sergei N. Goncharov",
        "John W. Lewis",
        "Xue Litai",
    ]
    jersild = Book.objects.get(title="The Sino-Soviet Alliance")
    assert jersild.publisher.name == "University of North Carolina Press" and jersild.year == 2014
    assert Book.objects.filter(rating__isnull=True, reviews=None).exists()
    assert Review.objects.filter(verified_purchase=True).exists()
    assert "Demo catalogue loaded" in demo.output


def test_demo_books_have_subjects_to_browse_by(demo: DemoRuns) -> None:
    # Loaded twice: the same subjects, none twice.
    partners = Book.objects.get(title="Uncertain Partners")
    assert sorted(partners.subjects.values_list("name", flat=True)) == [
        "Cold War",
        "Diplomacy",
        "History",
        "Korean War",
    ]
    html = client_for(None).get("/books/?subject=korean-war&sort=title").content.decode()
    assert "Uncertain Partners" in html and "A Failed Empire" not in html


def test_every_demo_book_page_renders(demo: DemoRuns) -> None:
    client = client_for(None)
    for book in Book.objects.all():
        response = client.get(book.get_absolute_url())
        assert response.status_code == 200, book
        expected = "Be the first to rate" if book.rating is None else "out of 5"
        assert expected in response.content.decode()


def run_candor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "candor.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_candor_help_lists_the_commands() -> None:
    out = run_candor("--help").stdout
    for command in ("demo", "serve", "import"):
        assert command in out


def test_candor_serve_refuses_a_bad_port() -> None:
    result = run_candor("serve", "--port", "70000")
    assert result.returncode != 0 and "--port must be between 1 and 65535" in result.stderr


def test_database_url_must_be_sqlite_or_postgres() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "candor.cli", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DATABASE_URL": "mysql://x/y", "PATH": "/usr/bin:/bin"},
    )
    assert (
        result.returncode != 0
        and "DATABASE_URL must be a sqlite:/// or postgres:// URL" in result.stderr
    )
