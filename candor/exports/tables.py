"""Which tables a backup holds, and how one row becomes plain values and back.

Every model of Candor's own apps is exported (new apps' models included without
changes here), in an order where each table comes after the tables it refers to,
with the auto-created many-to-many tables after their model. Left out:

- `reviews.CataloguePrior`: derived from the reviews; `candor restore` recomputes it,
  as it recomputes every book's stored rating (`Book.rating_data`, exported as it is).
- API tokens: credentials; people create new ones after a restore.
- From Django's auth, only users (no groups or permissions); password hashes only
  with ``--with-password-hashes``, else restored accounts sign in after a reset.
"""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import User
from django.core.serializers import sort_dependencies
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string

from candor.ratings import DEFAULT_CONFIG, BookWeighting, ReviewInput, review_weight
from candor.reviews import store

SKIPPED = {"reviews.catalogueprior", "accounts.apitoken"}
USER_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "is_superuser",
    "date_joined",
    "last_login",
)


def table_name(model: type[models.Model]) -> str:
    return model._meta.label_lower


def exported_models() -> list[type[models.Model]]:
    """User first, then Candor's models in dependency order, each followed by its
    auto-created many-to-many tables."""
    candor_apps = [config for config in apps.get_app_configs() if config.name.startswith("candor.")]
    ordered = sort_dependencies([(config, None) for config in candor_apps], allow_cycles=True)
    tables: list[type[models.Model]] = [User]
    for model in ordered:
        if table_name(model) in SKIPPED or model._meta.proxy or not model._meta.managed:
            continue
        tables.append(model)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through  # type: ignore[union-attr]
            if through._meta.auto_created:  # type: ignore[union-attr]
                tables.append(through)  # type: ignore[arg-type]
    return tables


def columns(model: type[models.Model], with_passwords: bool = False) -> list[models.Field]:
    fields = [field for field in model._meta.concrete_fields]
    if model is User:
        names = (*USER_FIELDS, "password") if with_passwords else USER_FIELDS
        fields = [field for field in fields if field.name in names]
    return fields


def rows(model: type[models.Model], with_passwords: bool = False) -> Iterator[dict[str, Any]]:
    """Each row as {column: Python value}, in primary-key order."""
    fields = columns(model, with_passwords)
    names = [field.attname for field in fields]
    now = timezone.now()
    query = model._default_manager.order_by("pk").values_list(*names)
    weighting = Weightings()
    for values in query.iterator(chunk_size=5000):
        row = dict(zip(names, values, strict=True))
        if table_name(model) == "reviews.review":
            row.update(counted(row, weighting(row["book_id"]), now))
        yield row


def plain(value: Any) -> Any:
    """A value as JSON can hold it (dates as ISO 8601, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Weightings:
    """Each book's stored weighting (`candor.reviews.store.weighting`), read once."""

    def __init__(self) -> None:
        self.found: dict[int, BookWeighting] = {}

    def __call__(self, book_id: int) -> BookWeighting:
        if book_id not in self.found:
            from candor.catalog.models import Book

            self.found[book_id] = store.weighting(Book.objects.only("rating_data").get(pk=book_id))
        return self.found[book_id]


def counted(row: dict[str, Any], weighting: BookWeighting, now: datetime) -> dict[str, float]:
    """What the review counts for in its book's stored rating (0 when hidden or
    withdrawn), as the book's ratings page shows it (candor/ratings/METHOD.md)."""
    trust = row["trust"] if row["trust_override"] is None else row["trust_override"]
    review = ReviewInput(
        rating=row["rating"],
        created_at=min(row["created_at"], now),
        verified=row["verified_purchase"],
        trust=trust,
    )
    shown = not row["hidden"] and row.get("withdrawn_at") is None
    weight = review_weight(review, weighting, DEFAULT_CONFIG) if shown else 0.0
    return {"effective_trust": trust, "weight": weight}


def instance(model: type[models.Model], row: dict[str, Any]) -> models.Model:
    """A model object from an exported row; columns the model lacks are ignored
    (the export's computed extras such as a review's weight)."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname not in row:
            continue
        value = row[field.attname]
        if value is not None and not isinstance(field, models.JSONField):
            value = field.to_python(value)
        values[field.attname] = value
    if model is User and "password" not in row:
        # Exported without hashes: nobody signs in until a password reset.
        values["password"] = UNUSABLE_PASSWORD_PREFIX + get_random_string(40)
    return model(**values)
