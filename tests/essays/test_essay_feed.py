"""The Atom feed of published essays."""

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from django.test import Client

from candor.essays.models import Essay

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_lists_published_essays_newest_first(client: Client, make_essay: Any) -> None:
    make_essay(title="Older Essay", published_on=date(2023, 1, 2), tags=["Korean War"])
    newer = make_essay(title="Newer Essay", summary="A short standfirst.")
    make_essay(title="Hidden Draft", status=Essay.Status.DRAFT)

    response = client.get("/essays/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newer Essay", "Older Essay"]
    first = entries[0]
    link = first.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"http://testserver{newer.get_absolute_url()}"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Rosa Reviewer"
    assert first.findtext(f"{ATOM}summary") == "A short standfirst."
    assert first.findtext(f"{ATOM}id")
    older_tags = [c.get("term") for c in entries[1].findall(f"{ATOM}category")]
    assert older_tags == ["Korean War"]
