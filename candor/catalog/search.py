"""Finding books by title, subtitle, author or ISBN, forgiving typos, best match first.

Both databases follow one recipe (docs/catalogue.md):

1. An ISBN (10 or 13, any hyphens) finds its book and nothing else.
2. The query's words (stop words dropped, at most ``MAX_WORDS``) pick candidates
   through an index: on PostgreSQL the pg_trgm GIN indexes on titles, subtitles and
   people's names (a word is near a text when their trigram word similarity is at least
   ``NEAR``); on SQLite the FTS5 trigram tables kept by triggers (texts sharing the
   word's trigrams, most shared first). At most ``CANDIDATES`` books per side.
3. Each candidate is scored: for each query word, how near it comes to a word of the
   title (weight 1), an author's name (0.9) or the subtitle (0.8), plus half as much for
   how near it is to that whole word; a book must come near at least half of the words.
   On PostgreSQL the score is computed in the database and adds full-text rank
   (SearchRank, title above subtitle); on SQLite it is computed here with the same
   trigram measures, and an exact title word stands in for full-text's bonus.
4. Ties go to the book more readers rated, then the title; a work shows once.
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramStrictWordSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from candor.catalog.isbn import looks_like_isbn
from candor.catalog.models import Book, Contribution, Person

MAX_WORDS = 8
NEAR = 0.5  # a word this near (trigram word similarity) to a text's word matches it
CANDIDATES = 300
RESULTS = 50
# Weights of where a word matched: a title says more than a name, a name than a subtitle.
TITLE, AUTHOR, SUBTITLE = 1.0, 0.9, 0.8
# How much the nearness of whole words adds (pg_trgm's strict word similarity): of two
# titles a word is equally near, "Uncertain" beats "Uncertainty" for "uncertian".
WHOLE_WORD = 0.5
# SQLite's stand-in for full-text rank: an exact (not just near) word in the title.
EXACT_TITLE_WORD = 0.25
# SQLite without FTS5: the most-rated books are scored in Python, at most this many.
UNINDEXED_LIMIT = 20_000
FTS_TABLES = ("catalog_book_search", "catalog_person_search")

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


def query_words(query: str) -> list[str]:
    """The words searched for: lower case, letters and digits, stop words dropped
    unless the query is nothing else, each once, at most MAX_WORDS."""
    words = list(dict.fromkeys(re.findall(r"\w+", query.lower())))
    content = [word for word in words if word not in STOP_WORDS]
    return (content or words)[:MAX_WORDS]


def search_books(query: str, limit: int = RESULTS, per_work: bool = True) -> list[Book]:
    """The books the query finds, best first (see the module's docstring); with
    ``per_work`` one edition per work, else every edition found."""
    isbn = looks_like_isbn(query)
    if isbn:
        return list(books_with_people().filter(isbn13=isbn))
    words = query_words(query)
    if not words:
        return []
    if connection.vendor == "postgresql":
        ranked = postgres_ranking(words)
    else:
        ranked = python_ranking(words, sqlite_candidates(words))
    ids = (one_per_work(ranked) if per_work else [pk for pk, _ in ranked])[:limit]
    shown = books_with_people().in_bulk(ids)
    return [shown[pk] for pk in ids if pk in shown]


def books_with_people() -> QuerySet[Book]:
    return Book.objects.select_related("publisher", "series").prefetch_related(
        "contributions__person"
    )


def one_per_work(ranked: Iterable[tuple[int, int]]) -> list[int]:
    """The book ids of (book id, work id) pairs, the first of each work only."""
    seen: set[int] = set()
    kept = []
    for pk, work_id in ranked:
        if work_id not in seen:
            seen.add(work_id)
            kept.append(pk)
    return kept


def needed(words: Sequence[str]) -> int:
    """How many of the words a book must come near: at least half of them."""
    return max(1, math.ceil(len(words) / 2))


# --- PostgreSQL: pg_trgm and full-text search, ranked in the database -----------------


def postgres_ranking(words: list[str]) -> list[tuple[int, int]]:
    """(book id, work id) of the books found, best first."""
    with transaction.atomic(), connection.cursor() as cursor:
        # The operator the GIN indexes serve (%>) compares with this setting.
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {NEAR:.2f}")
        # The planner prices the operator as cheap and, for a few words ORed, scans the
        # whole table computing it row by row (seconds on 100,000 books, measured); the
        # indexes answer the same in a fraction of that.
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            ids = postgres_candidates(indexable(words))
        finally:
            # Inside a caller's transaction SET LOCAL would outlive this block.
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold TO DEFAULT")
    if not ids:
        return []
    scored = scored_in_postgres(Book.objects.filter(pk__in=ids), words)
    return list(scored.values_list("pk", "work_id"))


def indexable(words: list[str]) -> list[str]:
    """The words that can bring candidates: a word of one or two letters has no trigram
    of its own (SQLite's tables cannot look it up, and on PostgreSQL it is near every
    word it starts), so it only counts when candidates are scored."""
    return [word for word in words if len(word) >= 3]


def postgres_candidates(words: list[str]) -> set[int]:
    if not words:
        return set()
    near_title = Q()
    near_name = Q()
    for word in words:
        near_title |= TrigramWordSimilar(F("title"), Value(word))
        near_title |= TrigramWordSimilar(F("subtitle"), Value(word))
        near_name |= TrigramWordSimilar(F("name"), Value(word))
    closeness = sum_of(TrigramWordSimilarity(word, "title") for word in words)
    by_title = Book.objects.filter(near_title).order_by(-closeness, "pk")
    people = Person.objects.filter(near_name).order_by(
        -sum_of(TrigramWordSimilarity(word, "name") for word in words), "pk"
    )
    people_ids = list(people.values_list("pk", flat=True)[:CANDIDATES])
    by_name = Contribution.objects.filter(person_id__in=people_ids).values_list(
        "book_id", flat=True
    )
    return set(by_title.values_list("pk", flat=True)[:CANDIDATES]) | set(by_name[:CANDIDATES])


def sum_of(expressions: Iterable[object]) -> object:
    total: object = Value(0.0)
    for expression in expressions:
        total = total + expression  # type: ignore[operator]
    return total


def nearest_author(word: str, measure: type = TrigramWordSimilarity) -> Coalesce:
    """The trigram word similarity (or ``measure``) of the word to the nearest name
    credited on the book; 0 for a book without one."""
    names = (
        Contribution.objects.filter(book=OuterRef("pk"))
        .annotate(near=measure(word, "person__name"))
        .order_by("-near")
        .values("near")[:1]
    )
    return Coalesce(Subquery(names, output_field=FloatField()), Value(0.0))


def scored_in_postgres(books: QuerySet[Book], words: list[str]) -> QuerySet[Book]:
    matched: object = Value(0)
    score: object = text_rank(words)
    for i, word in enumerate(words):
        title = TrigramWordSimilarity(word, "title")
        subtitle = TrigramWordSimilarity(word, "subtitle")
        author = nearest_author(word)
        books = books.alias(**{f"near_{i}": Greatest(title, subtitle, author)})
        matched = matched + Case(When(**{f"near_{i}__gte": NEAR}, then=1), default=0)  # type: ignore[operator]
        score = score + Greatest(title * TITLE, subtitle * SUBTITLE, author * AUTHOR)  # type: ignore[operator]
        whole_title = TrigramStrictWordSimilarity(word, "title")
        whole_subtitle = TrigramStrictWordSimilarity(word, "subtitle")
        whole_author = nearest_author(word, TrigramStrictWordSimilarity)
        whole = Greatest(whole_title * TITLE, whole_subtitle * SUBTITLE, whole_author * AUTHOR)
        score = score + whole * WHOLE_WORD  # type: ignore[operator]
    return (
        books.alias(matched=matched)
        .filter(matched__gte=needed(words))
        .annotate(score=score)
        .order_by("-score", "-rating_count", "title", "pk")
    )


def text_rank(words: list[str]) -> SearchRank:
    """Full-text rank of the title (weight A) and subtitle (B) for any of the words,
    English stemming (so "partner" finds "Partners"). The words are letters and
    digits only (query_words), so joining them with | is a well-formed tsquery."""
    vector = SearchVector("title", weight="A", config="english") + SearchVector(
        "subtitle", weight="B", config="english"
    )
    query = SearchQuery(" | ".join(words), search_type="raw", config="english")
    return SearchRank(vector, query)


# --- SQLite: FTS5 trigram tables for candidates, scored here ----------------------------


def fts_ready() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (%s, %s)",
            FTS_TABLES,
        )
        return bool(cursor.fetchone()[0] == len(FTS_TABLES))


def fts_match(words: list[str]) -> str:
    """An FTS5 query for texts that share any trigram with the words."""
    grams = {word[i : i + 3] for word in words for i in range(len(word) - 2)}
    return " OR ".join(f'"{gram}"' for gram in sorted(grams))


@dataclass(frozen=True)
class Candidate:
    """What scoring needs of a book: its words and what breaks ties."""

    pk: int
    work_id: int
    title: str
    rating_count: int
    texts: "Texts"


def sqlite_candidates(words: list[str]) -> list[Candidate]:
    if not fts_ready():
        unindexed = Book.objects.order_by("-rating_count", "pk")[:UNINDEXED_LIMIT]
        return candidates(list(unindexed.values_list("pk", flat=True)))
    match = fts_match(indexable(words))
    if not match:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM catalog_book_search WHERE catalog_book_search MATCH %s "
            "ORDER BY rank LIMIT %s",
            [match, CANDIDATES],
        )
        ids = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT rowid FROM catalog_person_search WHERE catalog_person_search MATCH %s "
            "ORDER BY rank LIMIT %s",
            [match, CANDIDATES],
        )
        people = [row[0] for row in cursor.fetchall()]
    credited = Contribution.objects.filter(person_id__in=people).values_list("book_id", flat=True)
    ids.update(credited[:CANDIDATES])
    return candidates(list(ids))


def candidates(ids: list[int]) -> list[Candidate]:
    """The books' words read as plain rows (no model objects: scoring reads hundreds)."""
    names: dict[int, list[str]] = {}
    found = []
    for start in range(0, len(ids), 2000):  # below SQLite's limit of parameters
        chunk = ids[start : start + 2000]
        credits = Contribution.objects.filter(book_id__in=chunk).order_by("position", "pk")
        for book_id, name in credits.values_list("book_id", "person__name"):
            names.setdefault(book_id, []).append(name)
        rows = Book.objects.filter(pk__in=chunk).values_list(
            "pk", "work_id", "title", "subtitle", "rating_count"
        )
        found.extend(rows)
    return [
        Candidate(pk, work_id, title, count, Texts.of(title, subtitle, names.get(pk, [])))
        for pk, work_id, title, subtitle, count in found
    ]


# --- Scoring in Python (SQLite), with pg_trgm's measure ---------------------------------


def trigrams(word: str) -> list[str]:
    """A word's trigrams in order, padded as pg_trgm pads (two spaces before, one after)."""
    padded = f"  {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


@lru_cache(maxsize=100_000)
def word_similarity(word: str, other: str) -> float:
    """pg_trgm's word_similarity of a word to one word of a text: the best Jaccard
    similarity between the word's trigrams and a run of the other word's trigrams (so a
    word is near a longer word it starts or is inside, and near its own misspellings).
    Only runs that start and end on a shared trigram can be best: an unshared one at
    either end adds to the union and not to the intersection."""
    mine = set(trigrams(word))
    theirs = trigrams(other)
    hits = [i for i, gram in enumerate(theirs) if gram in mine]
    best = 0.0
    for n, start in enumerate(hits):
        run: set[str] = set()
        shared: set[str] = set()
        reached = start
        for end in hits[n:]:
            run.update(theirs[reached : end + 1])
            shared.add(theirs[end])
            reached = end + 1
            best = max(best, len(shared) / (len(mine) + len(run) - len(shared)))
    return best


@lru_cache(maxsize=100_000)
def whole_word_similarity(word: str, other: str) -> float:
    """pg_trgm's similarity of two words (what strict_word_similarity gives a one-word
    query against its nearest word): shared trigrams over all trigrams of both."""
    mine, theirs = set(trigrams(word)), set(trigrams(other))
    return len(mine & theirs) / len(mine | theirs)


def nearness(word: str, text_words: Iterable[str]) -> tuple[float, float]:
    """(word similarity, whole-word similarity) of the word to the text's nearest words."""
    near = max((word_similarity(word, other) for other in text_words), default=0.0)
    whole = max((whole_word_similarity(word, other) for other in text_words), default=0.0)
    return near, whole


@dataclass(frozen=True)
class Texts:
    """A book's searchable words: title, subtitle, and the credited names."""

    title: tuple[str, ...]
    subtitle: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, title: str, subtitle: str, names: list[str]) -> "Texts":
        return cls(words_of(title), words_of(subtitle), words_of(" ".join(names)))


def words_of(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.lower()))


def python_score(words: list[str], texts: Texts) -> float | None:
    """The book's score for the words, None when it comes near fewer than half of them."""
    matched, score = 0, 0.0
    for word in words:
        (title, whole_title) = nearness(word, texts.title)
        (subtitle, whole_subtitle) = nearness(word, texts.subtitle)
        (author, whole_author) = nearness(word, texts.names)
        if max(title, subtitle, author) >= NEAR:
            matched += 1
        score += max(title * TITLE, subtitle * SUBTITLE, author * AUTHOR)
        whole = max(whole_title * TITLE, whole_subtitle * SUBTITLE, whole_author * AUTHOR)
        score += whole * WHOLE_WORD
        if word in texts.title:
            score += EXACT_TITLE_WORD
    return score if matched >= needed(words) else None


def python_ranking(words: list[str], found: Iterable[Candidate]) -> list[tuple[int, int]]:
    """(book id, work id) of the candidates that come near enough, best first."""
    scored = []
    for candidate in found:
        score = python_score(words, candidate.texts)
        if score is not None:
            key = (-score, -candidate.rating_count, candidate.title, candidate.pk)
            scored.append((key, candidate.pk, candidate.work_id))
    scored.sort()
    return [(pk, work_id) for _, pk, work_id in scored]
