"""The demo's invented readers and their reviews of the wider shelf (shelf.json).

Everything is drawn from the phrase banks of `candor.demo.phrases` with random
generators seeded by fixed strings (one per book, one per reader), so every run plans
the same readers, stars, dates, texts, orders and helpful votes, and a book added to
the shelf changes no other book's reviews. Nothing here touches the database: the
loader (`candor.demo.shelf`) stores the plan.
"""

import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from candor.demo import phrases

SEED = "candor-demo-2026"
FIRST_DAY = datetime(2012, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2026, 10, 31, tzinfo=UTC)
"""The honest reviews fall between these; the campaign comes after (campaign.py)."""
READERS = 60
VOTER_MIN_AGE = timedelta(days=8)  # a vote counts from an account a week old
MAX_SHARED_SENTENCES = 0.5  # of a text's sentences, with any one earlier text


@dataclass(frozen=True)
class Reader:
    username: str
    display_name: str
    bio: str
    family: str  # the kind of book they lean to (phrases.FAMILIES)


@dataclass
class PlannedReview:
    isbn: str
    username: str
    rating: int
    title: str
    text: str
    created_at: datetime
    ordered_on: date | None = None
    voters: list[tuple[str, datetime]] = field(default_factory=list)


def family_of(subjects: Sequence[str]) -> str:
    """The phrase family for a book's subjects."""
    names = set(subjects)
    if names & {"Science fiction", "Fantasy"}:
        return "speculative"
    if "Fiction" in names:
        return "fiction"
    if "History" in names and not names & {"Science", "Economics"}:
        return "history"
    return "ideas"


def ascii_name(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def readers(taken: Iterable[str] = ()) -> list[Reader]:
    """READERS invented readers with distinct usernames (none of ``taken``)."""
    rng = random.Random(f"{SEED}:readers")
    families = list(phrases.FAMILY_NAMES)
    rng.shuffle(families)
    used = set(taken)
    found = []
    for index, first in enumerate(phrases.FIRST_NAMES[:READERS]):
        last = families[index % len(families)]
        username = f"{ascii_name(first)}.{ascii_name(last)[:3]}"
        while username in used:
            username += str(len(used) % 10)
        used.add(username)
        family = phrases.FAMILIES[index % len(phrases.FAMILIES)]
        bio = f"{rng.choice(phrases.OCCUPATIONS)} {rng.choice(phrases.HABITS[family])}."
        found.append(Reader(username, f"{first} {last}", bio, family))
    return found


def band(stars: int) -> str:
    return "high" if stars >= 4 else "mid" if stars == 3 else "low"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class Writer:
    """Composes review texts, refusing one too close to a text written before (the
    trust analysis would rightly call it a copy)."""

    def __init__(self) -> None:
        self.sentence_sets: list[frozenset[str]] = []

    def review(self, rng: random.Random, book: dict[str, Any], stars: int) -> tuple[str, str]:
        """(title, text) for a review of ``book`` with ``stars``."""
        for _ in range(40):
            title, paragraphs = self.draft(rng, book, stars)
            sentences = frozenset(s for paragraph in paragraphs for s in paragraph)
            if not self.too_close(sentences):
                self.sentence_sets.append(sentences)
                return title, "\n\n".join(" ".join(p) for p in paragraphs if p)
        raise RuntimeError(f"no fresh text for {book['isbn']}: add phrases")

    def too_close(self, sentences: frozenset[str]) -> bool:
        limit = MAX_SHARED_SENTENCES * len(sentences)
        return any(len(sentences & earlier) > limit for earlier in self.sentence_sets)

    def draft(
        self, rng: random.Random, book: dict[str, Any], stars: int
    ) -> tuple[str, list[list[str]]]:
        family, level = family_of(book["subjects"]), band(stars)
        topic, other = rng.sample(book["topics"], 2)
        names = {
            "title": book["title"],
            "author": book["authors"][0][0],
            "topic": topic,
            "other": other,
            "Topic": capitalised(topic),
        }

        def say(template: str) -> str:
            return template.format(**names)

        opening = [say(rng.choice(phrases.OPENERS[family]))] if rng.random() < 0.7 else []
        lines = rng.sample(phrases.TOPIC_LINES[level], 2)
        body = [say(lines[0])]
        if rng.random() < 0.5:
            names["topic"], names["Topic"] = other, capitalised(other)
            names["other"] = topic
            body.append(say(lines[1]))
        if rng.random() < 0.65:
            body.append(rng.choice(phrases.STYLE_LINES[family][level]))
        edition = edition_kind(book)
        if edition and rng.random() < 0.5:
            body.append(rng.choice(phrases.EDITION_LINES[edition]))
        closing = [rng.choice(phrases.CLOSERS[stars])]
        title = say(rng.choice(phrases.TITLES[level])) if rng.random() < 0.8 else ""
        if rng.random() < 0.4:
            return title, [opening + body, closing]
        return title, [opening + body + closing]


def edition_kind(book: dict[str, Any]) -> str | None:
    """Which edition remark fits: a translation, or the format of an edition of a work
    with several (None: none)."""
    if book.get("language") and book["language"] != "en":
        return "translation"
    if book.get("work"):
        return str(book.get("format") or "") or None
    return None


def stars_for(rng: random.Random, mean: float, bias: float) -> int:
    return max(1, min(5, round(rng.gauss(mean + bias, 0.95))))


def moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = rng.uniform(0, (end - start).total_seconds())
    return (start + timedelta(seconds=seconds)).replace(microsecond=0)


def plan(books: Sequence[dict[str, Any]], pool: Sequence[Reader]) -> list[PlannedReview]:
    """The reviews of the shelf: for each book its ``reviews`` readers (leaning to its
    kind of book; one review per reader and work), stars around its ``mean`` with each
    reader's own bias, dates from its year (or 2012) to LAST_DAY, texts from the banks,
    and an order before about a third of them (a verified purchase)."""
    writer = Writer()
    bias = {r.username: random.Random(f"{SEED}:bias:{r.username}").gauss(0, 0.3) for r in pool}
    reviewed_work: set[tuple[str, str]] = set()
    planned = []
    for book in books:
        rng = random.Random(f"{SEED}:{book['isbn']}")
        family = family_of(book["subjects"])
        work = book.get("work") or book["isbn"]
        candidates = [r for r in pool if (r.username, work) not in reviewed_work]
        weights = [6 if r.family == family else 1 for r in candidates]
        chosen: list[Reader] = []
        while len(chosen) < min(book["reviews"], len(candidates)):
            pick = rng.choices(candidates, weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        start = max(FIRST_DAY, datetime(book["year"], 1, 1, tzinfo=UTC))
        for reader in chosen:
            reviewed_work.add((reader.username, work))
            stars = stars_for(rng, book["mean"], bias[reader.username])
            title, text = writer.review(rng, book, stars)
            when = moment(rng, start, LAST_DAY)
            ordered = (when - timedelta(days=rng.randint(3, 40))).date()
            planned.append(
                PlannedReview(
                    book["isbn"],
                    reader.username,
                    stars,
                    title,
                    text,
                    when,
                    ordered_on=ordered if rng.random() < 0.35 else None,
                )
            )
    return planned


def joined(planned: Iterable[tuple[str, datetime]]) -> dict[str, datetime]:
    """When each reader opened their account: between three weeks and a year and a half
    before their first review (seeded by the username)."""
    first: dict[str, datetime] = {}
    for username, when in planned:
        first[username] = min(when, first.get(username, when))
    return {
        username: (when - timedelta(days=random.Random(f"{SEED}:{username}").randint(21, 540)))
        for username, when in first.items()
    }


def plan_votes(planned: list[PlannedReview], since: dict[str, datetime]) -> None:
    """Helpful votes from other readers, each cast after the review and only by an
    account old enough for its vote to count."""
    usernames = sorted(since)
    for index, review in enumerate(planned):
        rng = random.Random(f"{SEED}:votes:{index}")
        wanted = rng.choice((0, 0, 0, 1, 1, 1, 2, 2, 3, 5))
        for voter in rng.sample(usernames, min(len(usernames), wanted + 3)):
            if len(review.voters) == wanted:
                break
            at = min(LAST_DAY, review.created_at + timedelta(days=rng.randint(1, 120)))
            if voter != review.username and since[voter] + VOTER_MIN_AGE <= at:
                review.voters.append((voter, at))
