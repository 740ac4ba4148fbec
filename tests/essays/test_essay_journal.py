"""The journal around the essays: its name and ISSN (one row, edited in the admin), each
essay's volume, issue and DOI (checked), authors' family and given names (guessed from
today's names by the migrations, corrected by editors), and the import of all of it."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from candor.catalog.names import NameParts, split_name
from candor.essays.citations import in_journal
from candor.essays.identifiers import normalise_doi, normalise_issn
from candor.essays.importer import import_folder
from candor.essays.journal import Placement, current_journal
from candor.essays.models import Essay, Journal, Reviewer
from tests.conftest import client_for
from tests.essays.test_essay_admin import add_form

DEFAULT_TITLE = "Review \u2013 Uncertain Partners"  # what save_essay calls an untitled essay


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("Sergei N. Goncharov", "Goncharov", "Sergei N."),
        ("Anna van der Berg", "van der Berg", "Anna"),
        ("Charles de Gaulle", "de Gaulle", "Charles"),
        ("Martin Luther King Jr.", "King Jr.", "Martin Luther"),
        ("Marlowe,  Helen", "Marlowe", "Helen"),
        ("Plato", "Plato", ""),
        ("van Gogh", "van Gogh", ""),
    ],
)
def test_names_are_split_into_family_and_given(name: str, family: str, given: str) -> None:
    assert split_name(name) == NameParts(family, given)


def test_issn_is_checked_and_written_with_its_hyphen() -> None:
    assert normalise_issn(" 2049 3630 ") == "2049-3630"
    assert normalise_issn("") == ""
    with pytest.raises(ValidationError, match="check digit is invalid"):
        normalise_issn("2049-3631")
    with pytest.raises(ValidationError, match="invalid length"):
        normalise_issn("2049-36")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("10.5555/candor.2024.3", "10.5555/candor.2024.3"),
        ("https://doi.org/10.5555/Candor-3", "10.5555/Candor-3"),
        ("doi: 10.1000/182", "10.1000/182"),
        ("  ", ""),
    ],
)
def test_doi_is_stored_without_its_link(written: str, stored: str) -> None:
    assert normalise_doi(written) == stored


@pytest.mark.parametrize(
    "bad", ["11.5555/x", "10.55/x", "10.5555/", "10.5555/a b", "https://example.com/x"]
)
def test_a_malformed_doi_is_refused_saying_what_a_doi_is(bad: str) -> None:
    with pytest.raises(ValidationError, match=r"is not a DOI: a DOI is “10\.”"):
        normalise_doi(bad)


@pytest.mark.parametrize(
    ("volume", "issue", "label", "cited"),
    [
        ("12", "3", "Vol. 12, no. 3", " 12, no. 3 (May 1, 2024)"),
        ("12", "", "Vol. 12", " 12 (May 1, 2024)"),
        ("", "3", "No. 3", ", no. 3 (May 1, 2024)"),
        ("", "", "", ", May 1, 2024"),
    ],
)
def test_volume_and_issue_are_worded_for_page_pdf_and_citation(
    volume: str, issue: str, label: str, cited: str
) -> None:
    place = Placement("J", "", volume, issue, "")
    assert place.volume_issue == label
    assert in_journal(place, "May 1, 2024") == ("J", cited)


@pytest.mark.django_db
def test_the_journal_is_one_row_staff_add_and_edit_in_the_admin(staff: User) -> None:
    assert not Journal.objects.exists()  # until staff add it, the site's name
    assert (current_journal().name, current_journal().issn) == ("Candor", "")
    client = client_for(staff)
    refused = client.post(
        "/admin/essays/journal/add/", {"name": "Candor Review", "issn": "2049-3631"}
    )
    assert "check digit is invalid" in refused.content.decode()
    assert not Journal.objects.exists()  # nothing stored
    added = client.post("/admin/essays/journal/add/", {"name": "Candor Review", "issn": "20493630"})
    assert added.status_code == 302
    journal = Journal.objects.get()
    assert (journal.name, journal.issn) == ("Candor Review", "2049-3630")
    assert current_journal() == journal
    assert client.get("/admin/essays/journal/add/").status_code == 403  # one journal only
    url = f"/admin/essays/journal/{journal.pk}/change/"
    assert client.post(url, {"name": "Candor Quarterly", "issn": ""}).status_code == 302
    assert Journal.objects.get().name == "Candor Quarterly"
    assert client.post(f"/admin/essays/journal/{journal.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_other_users_cannot_edit_the_journal(other_user: User) -> None:
    journal = Journal.objects.create(name="Candor Review")
    for path, data in [
        ("/admin/essays/journal/add/", {"name": "Taken over", "issn": ""}),
        (f"/admin/essays/journal/{journal.pk}/change/", {"name": "Taken over", "issn": ""}),
    ]:
        response = client_for(other_user).post(path, data)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert list(Journal.objects.values_list("name", flat=True)) == ["Candor Review"]


@pytest.mark.django_db
def test_editor_sets_volume_issue_and_a_pasted_doi_link(
    staff: User, reviewer: Reviewer, book: Any
) -> None:
    form = add_form(
        reviewer, book, volume="12", issue="3", doi="https://doi.org/10.5555/candor.2024.3"
    )
    assert client_for(staff).post("/admin/essays/essay/add/", form).status_code == 302
    essay = Essay.objects.get()
    assert (essay.volume, essay.issue, essay.doi) == ("12", "3", "10.5555/candor.2024.3")


@pytest.mark.django_db
def test_a_bad_or_taken_doi_is_refused_with_the_reason(
    staff: User, reviewer: Reviewer, book: Any
) -> None:
    client = client_for(staff)
    bad = client.post("/admin/essays/essay/add/", add_form(reviewer, book, doi="10.55/x"))
    assert "is not a DOI" in bad.content.decode() and not Essay.objects.exists()
    client.post("/admin/essays/essay/add/", add_form(reviewer, book, doi="10.5555/one"))
    again = add_form(reviewer, book, title="Another", doi="doi:10.5555/one")
    taken = client.post("/admin/essays/essay/add/", again)
    assert f"10.5555/one is already the DOI of “{DEFAULT_TITLE}”." in taken.content.decode()
    assert Essay.objects.count() == 1


@pytest.mark.django_db
def test_editor_corrects_a_reviewers_name_parts(staff: User, reviewer: Reviewer) -> None:
    assert reviewer.name_parts == NameParts("Reviewer", "Rosa")  # guessed: none entered
    response = client_for(staff).post(
        f"/admin/essays/reviewer/{reviewer.pk}/change/",
        {
            "name": "Rosa Reviewer",
            "family_name": "Reviewer-Stone",
            "given_name": "Rosa",
            "slug": reviewer.slug,
            "bio": "",
        },
    )
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.name_parts == NameParts("Reviewer-Stone", "Rosa")


ESSAY_FILE = """---
reviewer: Helen van der Marlowe
date: 2024-05-01
books: [9780804721158]
volume: 12
issue: Spring
doi: {doi}
slug: {slug}
---
Text of the essay.
"""


@pytest.mark.django_db
def test_import_reads_volume_issue_and_doi_and_refuses_bad_ones(tmp_path: Path, book: Any) -> None:
    files = {
        "good.md": ESSAY_FILE.format(doi="https://doi.org/10.5555/c.1", slug="good"),
        "bad.md": ESSAY_FILE.format(doi="10.5555 /c.2", slug="bad"),
        "taken.md": ESSAY_FILE.format(doi="10.5555/c.1", slug="taken"),
        "long.md": ESSAY_FILE.format(doi="", slug="long").replace("12", "1" * 21, 1),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = import_folder(tmp_path)
    essay = Essay.objects.get(slug="good")
    assert (essay.volume, essay.issue, essay.doi) == ("12", "Spring", "10.5555/c.1")
    assert essay.reviewer.name_parts == NameParts("van der Marlowe", "Helen")
    reasons = {Path(name).name: reason for name, reason in report.rejected}
    assert reasons["bad.md"].startswith("doi: “10.5555 /c.2” is not a DOI")
    assert reasons["taken.md"] == f"doi: 10.5555/c.1 is already the DOI of “{DEFAULT_TITLE}”"
    assert reasons["long.md"].startswith("volume: at most 20 characters")
    assert Essay.objects.count() == 1


LATEST = [("catalog", "0007_person_name_parts"), ("essays", "0002_journal_and_citation_fields")]
BEFORE = [("catalog", "0006_subjects"), ("essays", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_migrations_keep_todays_names_and_derive_their_parts() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        old.get_model("catalog", "Person").objects.create(name="Xue Litai", slug="xue")
        old.get_model("catalog", "Person").objects.create(name="Ludwig van Beethoven", slug="lvb")
        old.get_model("essays", "Reviewer").objects.create(name="Helen Marlowe", slug="hm")
        old.get_model("essays", "Reviewer").objects.create(name="Plato", slug="plato")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    new = MigrationExecutor(connection).loader.project_state(LATEST).apps
    people = new.get_model("catalog", "Person").objects.order_by("slug")
    assert [(p.name, p.family_name, p.given_name) for p in people] == [
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Xue Litai", "Litai", "Xue"),  # written family name first: an editor corrects it
    ]
    reviewers = new.get_model("essays", "Reviewer").objects.order_by("slug")
    assert [(r.name, r.family_name, r.given_name) for r in reviewers] == [
        ("Helen Marlowe", "Marlowe", "Helen"),
        ("Plato", "Plato", ""),
    ]


@pytest.mark.django_db
def test_editor_corrects_a_credited_persons_name_parts_and_citations_follow(
    staff: User, make_essay: Any, client: Any
) -> None:
    from candor.catalog.models import Person

    essay = make_essay()
    xue = Person.objects.get(name="Xue Litai")
    response = client_for(staff).post(
        f"/admin/catalog/person/{xue.pk}/change/",
        {
            "name": "Xue Litai",
            "family_name": "Xue",
            "given_name": "Litai",
            "slug": xue.slug,
            "bio": "",
        },
    )
    assert response.status_code == 302
    item = json.loads(client.get(essay.citation_url("json")).content)[0]
    assert item["reviewed-author"][-1] == {"family": "Xue", "given": "Litai"}
