"""Search as a reader uses it, on SQLite (FTS5 trigram tables) and on PostgreSQL
(pg_trgm and full-text search): typos forgiven, best match first, through an index."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candor.catalog import search, search_index
from candor.catalog.models import Book
from candor.catalog.search import query_words, search_books, word_similarity
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm and indexes"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables")


def titles(query: str) -> list[str]:
    return [book.title for book in search_books(query)]


@pytest.fixture
def shelf(make_book):  # type: ignore[no-untyped-def]
    make_book(
        "Uncertain Partners",
        subtitle="Stalin, Mao, and the Korean War",
        authors=["Sergei N. Goncharov", "John W. Lewis", "Xue Litai"],
        isbn13="9780804721158",
    )
    make_book("Thinking, Fast and Slow", authors=["Daniel Kahneman"])
    make_book("The Uncertainty Principle in Practice", authors=["Hanna Physicist"])
    make_book("Partners in Crime", authors=["Agatha Christie"])
    make_book("Korea: A History", subtitle="From Ancient Kingdoms", authors=["Jin Historian"])
    make_book("Garden Birds", authors=["Robin Watcher"])


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("uncertian", "Uncertain Partners"),  # transposed letters
        ("uncertain partners", "Uncertain Partners"),
        ("uncertan partnrs", "Uncertain Partners"),  # two typos
        ("kahnemann", "Thinking, Fast and Slow"),  # an author's name misspelt
        ("kahneman thinking", "Thinking, Fast and Slow"),  # name and title together
        ("goncharov lewis", "Uncertain Partners"),
        ("stalin korean", "Uncertain Partners"),  # subtitle words
        ("xue", "Uncertain Partners"),
        ("Partners in Crime", "Partners in Crime"),
        ("The Uncertainty Principle", "The Uncertainty Principle in Practice"),
    ],
)
def test_finds_despite_typos_with_the_best_match_first(shelf, query, first) -> None:
    assert titles(query)[0] == first


def test_uncertian_finds_the_book_titled_uncertain_from_the_search_page(shelf) -> None:
    html = client_for(None).get(reverse("search"), {"q": "uncertian"}).content.decode()
    results = html.split('data-testid="search-results"')[1]
    found = re.findall(r'class="book-title" href="[^"]+">([^<]+)</a>', results)
    assert found[0] == "Uncertain Partners"
    assert "Garden Birds" not in found and "Partners in Crime" not in found
    assert "best first" in html


def test_a_title_word_ranks_above_the_same_word_in_a_subtitle(shelf) -> None:
    assert titles("korea")[:2] == ["Korea: A History", "Uncertain Partners"]


def test_unrelated_words_find_nothing(shelf) -> None:
    assert titles("nothing-like-this") == []
    assert titles("zqxj wvvk") == []
    html = client_for(None).get(reverse("search"), {"q": "zqxjwvvk"}).content.decode()
    assert "No books match" in html


def test_a_book_must_come_near_half_of_the_words(shelf) -> None:
    assert "Garden Birds" in titles("garden zqxjw")  # one of two words
    assert "Garden Birds" not in titles("garden zqxjw vvkpl")  # one of three


def test_isbn_finds_only_that_book(shelf) -> None:
    assert titles("978-0-8047-2115-8") == ["Uncertain Partners"]
    assert titles("0804721157") == ["Uncertain Partners"]


def test_more_rated_book_wins_a_tie(make_book, make_user, write) -> None:
    quiet = make_book("Ocean Tides", authors=["Same Author"])
    read = make_book("Ocean Tides", authors=["Same Author"])
    write(make_user("reader"), read, 4)
    assert [b.pk for b in search_books("ocean tides")] == [read.pk, quiet.pk]
    assert quiet.pk  # both found


def test_a_work_is_found_once_on_the_site_and_every_edition_in_the_api(make_book) -> None:
    hardcover = make_book("Twice Printed", authors=["Ed Edition"])
    paperback = make_book("Twice Printed", authors=["Ed Edition"])
    paperback.work = hardcover.work
    paperback.save()
    assert len(search_books("twice printed")) == 1
    api = client_for(None).get("/api/v1/books", {"q": "twise printed"}).json()
    assert sorted(b["isbn13"] for b in api) == sorted([hardcover.isbn13, paperback.isbn13])


def test_search_reads_an_index_not_a_like_over_every_row(shelf) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert titles("uncertian")[0] == "Uncertain Partners"
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert " LIKE " not in sql
    assert ("MATCH" in sql) if connection.vendor == "sqlite" else ("%>" in sql)


@postgres_only
def test_postgres_candidates_come_from_the_trigram_indexes(shelf) -> None:
    with CaptureQueriesContext(connection) as queries:
        search.postgres_candidates(["uncertian", "kahnemann"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # six rows: otherwise a scan is cheaper
        plans = ""
        for query in queries.captured_queries:
            if "%>" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                plans += "\n".join(row[0] for row in cursor.fetchall())
    for index, _, _ in search_index.POSTGRES_INDEXES:
        assert f"Bitmap Index Scan on {index}" in plans


def test_edits_and_deletions_reach_the_index(shelf) -> None:
    book = Book.objects.get(title="Garden Birds")
    book.title = "Mountain Flowers"
    book.save()
    assert titles("mountian flowers") == ["Mountain Flowers"]
    assert titles("garden birds") == []
    person = book.contributions.get().person
    person.name = "Petra Botanist"
    person.save()
    assert titles("botanist") == ["Mountain Flowers"]
    book.delete()
    assert titles("mountain flowers") == []


def test_query_words_drop_stop_words_unless_nothing_else_is_left() -> None:
    assert query_words("The Uncertainty of the Partners!") == ["uncertainty", "partners"]
    assert query_words("The Of") == ["the", "of"]
    assert len(query_words(" ".join(f"word{i}" for i in range(20)))) == search.MAX_WORDS


def test_python_similarity_forgives_the_usual_typos() -> None:
    assert word_similarity("uncertian", "uncertain") == pytest.approx(0.6)
    assert word_similarity("word", "words") == pytest.approx(0.8)
    assert word_similarity("nothing", "another") < search.NEAR
    assert word_similarity("same", "same") == 1.0


@sqlite_only
def test_sqlite_puts_back_triggers_a_table_rebuild_dropped(shelf) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER catalog_book_search_insert")
    Book.objects.create(title="Written While Missing", isbn13="9780306406157")
    assert "Written While Missing" not in titles("written missing")
    assert search_index.ensure_triggers(connection) == ["catalog_book_search_insert"]
    assert titles("writen missing") == ["Written While Missing"]  # re-indexed
    assert search_index.ensure_triggers(connection) == []


@sqlite_only
def test_sqlite_without_fts5_still_finds_with_a_bounded_scan(shelf, monkeypatch) -> None:
    monkeypatch.setattr(search, "fts_ready", lambda: False)
    assert titles("uncertian")[0] == "Uncertain Partners"
    monkeypatch.setattr(search, "UNINDEXED_LIMIT", 1)
    assert len(search_books("a")) <= 1


@postgres_only
def test_postgres_has_pg_trgm_and_the_trigram_indexes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%_trgm'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {name for name, _, _ in search_index.POSTGRES_INDEXES}
    assert all("gin_trgm_ops" in definition for definition in indexes.values())


@postgres_only
@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("uncertian", "uncertain"),
        ("word", "words"),
        ("nothing", "another"),
        ("kahnemann", "kahneman"),
    ],
)
def test_python_similarity_is_pg_trgms_for_single_words(word, other) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word_similarity(%s, %s)", [word, other])
        expected = cursor.fetchone()[0]
    assert word_similarity(word, other) == pytest.approx(expected, abs=1e-6)


def test_a_word_of_one_or_two_letters_brings_no_candidate_on_either_database(shelf) -> None:
    assert titles("xu") == [] and titles("k") == []
    assert titles("xue")[0] == "Uncertain Partners"


@postgres_only
def test_postgres_settings_of_the_candidate_queries_do_not_outlive_them(shelf) -> None:
    assert titles("uncertian")[0] == "Uncertain Partners"  # inside the test's transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)
        cursor.execute("SHOW pg_trgm.word_similarity_threshold")
        assert cursor.fetchone() == ("0.6",)
