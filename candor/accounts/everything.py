"""Everything Candor holds about a reader, as one JSON document (the "Your data" page):
the profile, every review (the ones they deleted too: Candor keeps those), the helpful
votes they gave, the reports they filed, their orders and their API tokens (never a
token's value, which Candor does not have)."""

import json
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from candor.accounts.exports import own_reviews
from candor.accounts.models import Profile
from candor.reviews.models import HelpfulVote, Order, Report, Review

FORMAT = "candor-account-data"
VERSION = 1


def when(moment: datetime | date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def profile_of(user: User) -> dict[str, Any]:
    profile = Profile.objects.filter(user=user).first()
    return {
        "username": user.get_username(),
        "email": user.email,
        "display_name": profile.display_name if profile else "",
        "bio": profile.bio if profile else "",
        "date_joined": when(user.date_joined),
        "last_login": when(user.last_login),
    }


def deleted_reviews(user: User) -> list[dict[str, Any]]:
    """The reviews the reader deleted, which Candor keeps (`services.withdraw_review`)."""
    rows = Review.objects.filter(user=user, withdrawn_at__isnull=False).select_related("book")
    return [
        {
            "review_id": review.pk,
            "book_title": review.book.full_title,
            "book_slug": review.book.slug,
            "rating": review.rating,
            "title": review.title,
            "text": review.text,
            "created_at": when(review.created_at),
            "deleted_at": when(review.withdrawn_at),
        }
        for review in rows.order_by("created_at", "id")
    ]


def votes_of(user: User) -> list[dict[str, Any]]:
    votes = HelpfulVote.objects.filter(voter=user).select_related("review__book")
    return [
        {
            "review_id": vote.review_id,
            "book_slug": vote.review.book.slug,
            "voted_at": when(vote.created_at),
            "counted": vote.counted,
        }
        for vote in votes.order_by("created_at", "id")
    ]


def reports_of(user: User) -> list[dict[str, Any]]:
    reports = Report.objects.filter(reporter=user).select_related("review__book")
    return [
        {
            "review_id": report.review_id,
            "book_slug": report.review.book.slug,
            "reason": report.reason,
            "note": report.note,
            "reported_at": when(report.created_at),
            "resolved_at": when(report.resolved_at),
        }
        for report in reports.order_by("created_at", "id")
    ]


def orders_of(user: User) -> list[dict[str, Any]]:
    orders = Order.objects.filter(user=user).select_related("book")
    return [
        {
            "book_title": order.book.full_title,
            "book_slug": order.book.slug,
            "isbn13": order.book.isbn13,
            "ordered_at": when(order.ordered_at),
            "source": order.source,
        }
        for order in orders.order_by("ordered_at", "id")
    ]


def tokens_of(user: User) -> list[dict[str, Any]]:
    return [
        {
            "name": token.name,
            "starts_with": token.prefix,
            "created_at": when(token.created_at),
            "last_used_at": when(token.last_used_at),
            "revoked_at": when(token.revoked_at),
        }
        for token in user.api_tokens.order_by("created_at", "id")
    ]


def everything(user: User) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": when(timezone.now()),
        "profile": profile_of(user),
        "reviews": own_reviews(user),
        "deleted_reviews": deleted_reviews(user),
        "helpful_votes": votes_of(user),
        "reports": reports_of(user),
        "orders": orders_of(user),
        "api_tokens": tokens_of(user),
    }


def as_json(user: User) -> str:
    return json.dumps(everything(user), ensure_ascii=False, indent=2) + "\n"
