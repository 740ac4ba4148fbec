"""The shared hostile inputs through the API's review writes and through essays (page and PDF)."""

import io
import json
import re
from datetime import date

import pypdf
import pytest
from django.test import Client

from candor.accounts.tokens import create_token
from candor.essays.models import Essay, Reviewer
from candor.essays.services import save_essay
from candor.reviews.models import Report, Review
from tests.security.hostile_inputs import (
    HOSTILE_TEXTS,
    NULL_BYTE,
    SHOWABLE_TEXTS,
    assert_shown_literally,
)

pytestmark = pytest.mark.django_db

LIVE_MARKUP = [
    # Any script but the site's own: a static file, or a book page's JSON-LD data block.
    re.compile(
        r"<script\b"
        r'(?! src="/static/candor/[\w.-]+\.js" defer>)'
        r'(?! type="application/ld\+json" nonce="[^"<>]+">)',
        re.IGNORECASE,
    ),
    re.compile(r"<(?:img|svg|details|iframe|a)\b[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", re.IGNORECASE),
    re.compile(r"<iframe\b|<style\b", re.IGNORECASE),
]


def test_owner_posting_hostile_reviews_through_the_api_gets_them_back_exactly(book, owner):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {create_token(owner, 'tests')[1]}"}
    client = Client()
    for text in HOSTILE_TEXTS:
        Review.objects.filter(user=owner).delete()
        body = {"rating": 3, "title": text if len(text) <= 150 else "", "text": text}
        response = client.post(
            f"/api/v1/books/{book.slug}/reviews",
            data=json.dumps(body),
            content_type="application/json",
            headers=headers,
        )
        if NULL_BYTE in text or len(text) > 5000:
            assert response.status_code == 422, text[:40]
            assert response.json()["error"]["fields"], text[:40]
            continue
        assert response.status_code == 201, (text[:40], response.content[:200])
        review = client.get(f"/api/v1/reviews/{response.json()['id']}").json()
        assert (review["title"], review["text"]) == (body["title"], text.strip())
        assert_shown_literally(client.get(book.get_absolute_url()).content.decode(), text)


@pytest.fixture
def hostile_essay(book) -> Essay:
    reviewer = Reviewer.objects.create(
        name="<script>alert(1)</script> #set $x$", bio=SHOWABLE_TEXTS[0]
    )
    body = "\n\n".join(text for text in HOSTILE_TEXTS if NULL_BYTE not in text and len(text) < 5000)
    essay = Essay(
        title="<img src=x onerror=alert(1)> #import",
        body_markdown=body,
        reviewer=reviewer,
        published_on=date(2024, 3, 5),
        status=Essay.Status.PUBLISHED,
    )
    return save_essay(essay, books=[book], tags=[])


def test_reader_opening_a_hostile_essay_sees_no_live_markup(hostile_essay, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.ESSAY_PDF_CACHE_DIR = tmp_path
    client = Client()
    for url in (
        hostile_essay.get_absolute_url(),
        "/essays/",
        hostile_essay.books.first().get_absolute_url(),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        for pattern in LIVE_MARKUP:
            assert not pattern.search(html), (url, pattern.pattern)
    assert (
        "&lt;img src=x onerror=alert(1)&gt; #import"
        in client.get(hostile_essay.get_absolute_url()).content.decode()
    )
    pdf = client.get(hostile_essay.pdf_url())
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "#import" in text and "onerror" in text


def test_every_api_write_answers_hostile_strings_without_a_server_error(
    book, owner, other_user, staff, write, settings
) -> None:
    settings.API_WRITES_PER_TOKEN = settings.API_WRITES_PER_IP = 10_000
    review = write(owner, book, 3, "words")
    client = Client()

    def send(user, method, path, body):  # type: ignore[no-untyped-def]
        token = create_token(user, "tests")[1]
        return getattr(client, method)(
            f"/api/v1{path}",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    for n, text in enumerate(HOSTILE_TEXTS):
        calls = [
            (owner, "patch", f"/reviews/{review.pk}", {"title": text[:150], "text": text}),
            (other_user, "post", f"/reviews/{review.pk}/reports", {"reason": "spam", "note": text}),
            (staff, "post", "/books", {"title": text, "isbn": text, "publisher": text[:200]}),
            (staff, "post", "/orders", {"user": text, "isbn": text, "ordered_at": "2024-01-01"}),
            (staff, "post", "/books", {"title": f"Book {n} {text[:200]}", "isbn": "0-306-40615-2"}),
        ]
        for user, method, path, body in calls:
            response = send(user, method, path, body)
            assert response.status_code < 500, (path, text[:40], response.content[:200])
            assert response["Content-Type"].startswith("application/json"), path
        Report.objects.filter(review=review).delete()
