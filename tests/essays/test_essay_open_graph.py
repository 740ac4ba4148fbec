"""An essay's link preview (OpenGraph) names the essay, its summary, date and author."""

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def meta(html: str, prop: str) -> list[str]:
    return re.findall(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', html)


def test_essay_page_has_article_open_graph_tags(client, make_essay: Any) -> None:
    essay = make_essay(title="On Partners", summary="Why the alliance held & then broke.")
    html = client.get(essay.get_absolute_url()).text
    url = f"http://testserver{essay.get_absolute_url()}"
    assert meta(html, "og:type") == ["article"]
    assert meta(html, "og:title") == ["On Partners"]
    assert meta(html, "og:url") == [url]
    assert meta(html, "og:description") == ["Why the alliance held &amp; then broke."]
    assert meta(html, "article:published_time") == ["2024-03-05"]
    assert meta(html, "article:author") == [f"http://testserver{essay.reviewer.get_absolute_url()}"]
    assert f'<link rel="canonical" href="{url}">' in html
