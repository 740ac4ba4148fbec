"""Fixtures for the rating store tests."""

from tests.api.conftest import api_as  # noqa: F401 (a fixture these tests use)
