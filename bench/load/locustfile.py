"""What one simulated reader does in the load test (run by bench/load.py; locust headless).

Every request is named by its endpoint, not its URL, so the report has one row per
endpoint. Configuration comes from the environment, set by bench/load.py:

- CANDOR_LOAD_SEED: the JSON written by bench/seed_load.py (slugs, poster sessions);
- CANDOR_LOAD_STATIC: the URL path of a static file (the trivial baseline, with /healthz);
- CANDOR_LOAD_WAIT: "MIN,MAX" seconds a reader pauses between requests ("0,0": none).

Reads pick books at random, the biggest book (100,000 reviews by default) a third of
the time. Each reader is signed in as its own poster account (a session made by the
seeder) and posts reviews through the web form, each on the next book in its own
sequence, so every post creates a review (302 to the book page means saved).
"""

import itertools
import json
import os
import random
import secrets
from pathlib import Path

from locust import FastHttpUser, between, constant, task

SEED = json.loads(
    Path(os.environ.get("CANDOR_LOAD_SEED", "/tmp/candor-load/seed.json")).read_text()
)
BOOKS: list[str] = SEED["books"]
HOT: str = SEED["hot"]
STATIC = os.environ.get("CANDOR_LOAD_STATIC", "/static/candor/site.css")
WAIT_MIN, WAIT_MAX = (float(x) for x in os.environ.get("CANDOR_LOAD_WAIT", "0.5,1.5").split(","))
POSTERS = itertools.count()
RUN_OFFSET = random.randrange(len(BOOKS))  # each run walks from elsewhere: fewer edits


def some_book() -> str:
    return HOT if random.random() < 1 / 3 else random.choice(BOOKS)


class Reader(FastHttpUser):
    wait_time = between(WAIT_MIN, WAIT_MAX) if WAIT_MAX > 0 else constant(0)

    def on_start(self) -> None:
        number = next(POSTERS)
        sessions = SEED["sessions"]
        self.session_key = sessions[number % len(sessions)]
        # Each reader walks the catalogue from its own place, so its posts never repeat a book.
        start = (number * 37 + RUN_OFFSET) % len(BOOKS)
        self.to_review = itertools.cycle(BOOKS[start:] + BOOKS[:start])
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid CSRF secret

    @task(2)
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz (baseline)")

    @task(2)
    def static_file(self) -> None:
        self.client.get(STATIC, name="GET static file (baseline)")

    @task(8)
    def book_page(self) -> None:
        self.client.get(f"/books/{some_book()}/", name="GET /books/<slug>/ (book page)")

    @task(4)
    def review_list(self) -> None:
        slug = some_book()
        sort = random.choice(["helpful", "recent"])
        stars = random.choice(["", "", "1", "3", "5"])
        page = random.randint(2, 20)
        self.client.get(
            f"/books/{slug}/?sort={sort}&stars={stars}&page={page}",
            name="GET /books/<slug>/?sort&stars&page (review list)",
        )

    @task(3)
    def api_book(self) -> None:
        self.client.get(f"/api/v1/books/{some_book()}", name="GET /api/v1/books/<slug>")

    @task(3)
    def api_reviews(self) -> None:
        sort = random.choice(["helpful", "recent"])
        self.client.get(
            f"/api/v1/books/{some_book()}/reviews?sort={sort}&limit=20",
            name="GET /api/v1/books/<slug>/reviews",
        )

    @task(2)
    def post_review(self) -> None:
        slug = next(self.to_review)
        stars = random.randint(1, 5)
        with self.client.post(
            f"/books/{slug}/review/",
            data={
                "rating": str(stars),
                "title": "Read under load",
                "text": "Posted by the load test: a fair book, read in one sitting.",
                "action": "submit",
                "csrfmiddlewaretoken": self.csrf,
            },
            headers={"Cookie": f"sessionid={self.session_key}; csrftoken={self.csrf}"},
            name="POST /books/<slug>/review/ (post review)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            where = response.headers.get("Location", "")
            if response.status_code != 302 or not where.endswith(f"/books/{slug}/"):
                response.failure(
                    f"expected 302 to the book page, got {response.status_code} {where}"
                )
