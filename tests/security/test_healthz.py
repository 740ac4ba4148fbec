"""/healthz: 200 {"status": "ok"} while the database answers, 503 when it does not."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_load_balancer_sees_ok_while_the_database_answers(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_load_balancer_sees_503_when_the_database_is_down(client) -> None:
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", return_value=broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_healthz_refuses_writes(client) -> None:
    assert client.post("/healthz").status_code == 405
