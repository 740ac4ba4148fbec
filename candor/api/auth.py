"""Token authentication for writes: Authorization: Bearer <token>.

Every write is counted against the client's address before the token is checked
(so guessing tokens is limited too) and against the token once it is known.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import HttpBearer

from candor.accounts.tokens import active_token
from candor.api.errors import ApiError
from candor.api.ratelimit import client_address, count_write


class WriteToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        count_write("ip", client_address(request), settings.API_WRITES_PER_IP)
        found = active_token(token.strip())
        if found is None:
            return None
        count_write("token", str(found.pk), settings.API_WRITES_PER_TOKEN)
        request.user = found.user
        return found.user


write_token = WriteToken()


def token_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def staff_user(request: HttpRequest) -> User:
    """The token's user when staff; 403 otherwise."""
    user = token_user(request)
    if not user.is_staff:
        raise ApiError(403, "Only staff tokens can do this.")
    return user
