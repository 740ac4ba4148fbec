"""Model fields of our own."""

import json
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class JSONTextField(models.JSONField):
    """JSON kept as the text it was written as (a text column on every database).

    For values only ever read whole (a book's stored rating data): PostgreSQL's jsonb
    would parse and re-encode each one on the way in, which for a large import's books
    is work for nothing. Python sees the same dicts as with JSONField.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "text"

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        return None if value is None else json.dumps(value, cls=self.encoder)
