"""Orders (verified purchases), added by staff tokens through services.record_order."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from candor.api.auth import staff_user, write_token
from candor.api.errors import WRITE_ERRORS, ApiError
from candor.api.schemas import OrderIn, OrderOut
from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book
from candor.reviews.models import Order, Review
from candor.reviews.services import record_order

router = Router(tags=["orders"])


def buyer(value: str) -> User:
    user = User.objects.filter(username=value).first() or (
        User.objects.filter(email__iexact=value).first() if "@" in value else None
    )
    if user is None:
        raise ApiError(422, "Unknown user.", fields={"user": f"no account {value!r}"})
    return user


def bought_book(value: str) -> Book:
    try:
        isbn13 = normalize_isbn(value)
    except ValidationError as error:
        raise ApiError(422, "The ISBN is not valid.", fields={"isbn": error.messages[0]}) from None
    book = Book.objects.filter(isbn13=isbn13).first()
    if book is None:
        raise ApiError(422, "Unknown book.", fields={"isbn": f"no book with ISBN {isbn13}"})
    return book


@router.post(
    "/orders",
    auth=write_token,
    response={200: OrderOut, 201: OrderOut, **WRITE_ERRORS},
    summary="Record an order (staff tokens); the buyer's review becomes a verified purchase",
)
def create_order(request: HttpRequest, payload: OrderIn) -> Any:
    """201 for a new order, 200 when the same order was already recorded (nothing changes)."""
    staff_user(request)
    user, book = buyer(payload.user), bought_book(payload.isbn)
    source = payload.source or "api"
    natural_key = {"user": user, "book": book, "ordered_at": payload.ordered_at, "source": source}
    existed = Order.objects.filter(**natural_key).exists()
    order = record_order(user, book, payload.ordered_at, source)
    verified = Review.objects.filter(user=user, book=book, verified_purchase=True).exists()
    body = {
        "id": order.pk,
        "user": user.get_username(),
        "book": book.slug,
        "isbn13": book.isbn13,
        "ordered_at": order.ordered_at,
        "source": order.source,
        "verified_review": verified,
    }
    return Status(200 if existed else 201, body)
