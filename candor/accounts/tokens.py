"""API tokens: create (shown once), look up by hash, revoke."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from candor.accounts.models import ApiToken

TOKEN_PREFIX = "cnd_"
SHOWN_PREFIX_LENGTH = 10


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for user; the raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80] or "API token",
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        digest=digest_of(raw),
    )
    return token, raw


def revoke_token(user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of user's own tokens; False when there is no such active token."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def active_token(raw: str) -> ApiToken | None:
    """The active token with this value (its user active too), marking it as used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
