"""The demo's review campaign: a burst of near-identical five-star reviews of one book
from accounts opened days before, for the trust analysis to catch.

It is invented for the demo (no publisher or reader of the real book had any part in
it). The campaign is dated three days before the demo was first loaded, so that the
accounts are still new when `candor demo` runs the trust analysis; later runs keep
those dates (the first account's opening is the anchor), so loading again changes
nothing. Texts are drawn from a few variants with a seeded generator.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from candor.demo.voices import SEED, PlannedReview

BOOK_ISBN = "9780142437247"  # Moby-Dick, Penguin Classics
ACCOUNTS = (
    ("pagelover88", "Lily"),
    ("sunny.reads", "Sunny"),
    ("bookfan_max", "Max"),
    ("readwithkate", "Kate B."),
    ("happyreader21", "Tom"),
    ("novel.nights", "Ana"),
    ("classicslover7", "Chris"),
    ("kindle_queen", "Jess"),
    ("greatreads4u", "Sam"),
    ("bookworm_ben", "Ben"),
    ("starreader", "Mia"),
    ("reads.daily", "Leo"),
    ("pageturner_22", "Zoe"),
    ("top.shelf.reader", "Ray"),
)
TITLES = ("Masterpiece!", "A true masterpiece", "Must read!!", "Best book ever", "Five stars")
OPENINGS = (
    "Best book I have ever read!",
    "Best book I've ever read!",
    "The best book I have ever read!",
)
PRAISE = (
    "Moby-Dick is a true masterpiece and a must read for everyone.",
    "Moby-Dick is a true masterpiece, a must read for everyone.",
)
MIDDLE = "The story is gripping from the first page to the last and I could not put it down."
ENDINGS = (
    "Highly recommend this edition to all my friends. Five stars!",
    "Highly recommended to all my friends and family. 5 stars!",
    "Highly recommend this edition to all my friends. Five stars, no question!",
)
DAYS_BEFORE_FIRST_LOAD = 3


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    joined: datetime


def default_anchor(now: datetime) -> datetime:
    """Midnight (UTC) three days before ``now``: when the first account is opened."""
    day = now.astimezone(UTC).date() - timedelta(days=DAYS_BEFORE_FIRST_LOAD)
    return datetime.combine(day, time(), tzinfo=UTC)


def plan(anchor: datetime) -> tuple[list[Account], list[PlannedReview]]:
    """The accounts (opened within a day of ``anchor``) and their reviews (each a few
    hours after its account was opened, all within two days)."""
    rng = random.Random(f"{SEED}:campaign")
    accounts, reviews = [], []
    for index, (username, name) in enumerate(ACCOUNTS):
        offset = timedelta(0) if index == 0 else timedelta(minutes=rng.randint(30, 26 * 60))
        account = Account(username, name, anchor + offset)
        posted = account.joined + timedelta(minutes=rng.randint(90, 20 * 60))
        text = " ".join((rng.choice(OPENINGS), rng.choice(PRAISE), MIDDLE, rng.choice(ENDINGS)))
        accounts.append(account)
        reviews.append(PlannedReview(BOOK_ISBN, username, 5, rng.choice(TITLES), text, posted))
    return accounts, reviews
