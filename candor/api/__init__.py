"""Candor's REST API, version 1 (django-ninja; schema /api/v1/openapi.json, docs /api/v1/docs).

Reads are open to everyone; writes need a token (Authorization: Bearer <token>) made
on the profile page. Errors always have the shape {"error": {"code", "message", "fields"}}.
"""

from ninja import NinjaAPI

from candor.api import books, errors, essays, orders, reviews

api = NinjaAPI(
    title="Candor API",
    version="1",
    description=(
        "Books, their ratings as Candor computes them, and reviews. Writes need an API "
        "token from your profile page, sent as `Authorization: Bearer <token>`, and are "
        "rate-limited per token and per address (429 with Retry-After)."
    ),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("", books.router)
api.add_router("", reviews.router)
api.add_router("", orders.router)
api.add_router("", essays.router)

__all__ = ["api"]
