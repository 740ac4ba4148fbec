"""Schemathesis drives every operation of the published OpenAPI schema.

It fails on any server error, and on any answer the schema does not document (status
code, content type, body shape), so the published schema stays true.

Requests go through Django's WSGI application with a staff token, so the write
paths run too. Each operation gets a bounded number of generated requests, half
of them aimed at a book and a review that exist, the rest at random values;
positive and negative (schema-violating) data both. Everything runs inside the
test's transaction and is rolled back. Generation is derandomized so CI runs the same
requests every time; raise EXAMPLES_PER_OPERATION locally to search further.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from candor.accounts.tokens import create_token
from candor.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """As Django's test client does: requests must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fixed_parameters(path: str, slug: str, review_id: int) -> dict[str, object]:
    known = {"slug": slug, "review_id": review_id}
    return {name: value for name, value in known.items() if "{" + name + "}" in path}


def test_every_operation_answers_without_server_errors_and_as_documented(
    book, owner, staff, write, settings_fixture_limits, wsgi_in_test_transaction
) -> None:
    review = write(owner, book, 4, "A review to aim at.")
    # The owner's token edits and deletes the review; the staff token does the rest.
    staff_token, owner_token = create_token(staff, "fuzz")[1], create_token(owner, "fuzz")[1]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        fixed = fixed_parameters(operation.path, book.slug, review.pk)
        token = owner_token if operation.method.lower() in ("patch", "delete") else staff_token
        fuzz(operation, fixed, token)


def fuzz(operation: schemathesis.APIOperation, fixed: dict[str, object], token: str) -> None:
    """Send generated requests to one operation; fail on the first 5xx answer."""
    strategy = strategies.one_of(
        *[
            operation.as_strategy(generation_mode=mode, path_parameters=params)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for params in ([fixed, None] if fixed else [None])
        ]
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[
                not_a_server_error,
                response_schema_conformance,
                status_code_conformance,
                content_type_conformance,
            ],
        )

    run()


@pytest.fixture
def settings_fixture_limits(settings) -> None:
    """Rate limits high enough that generated writes reach the endpoints."""
    settings.API_WRITES_PER_TOKEN = 100_000
    settings.API_WRITES_PER_IP = 100_000
