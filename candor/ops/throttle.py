import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest

from candor.api.ratelimit import client_address


class SignInThrottle(AxesStandaloneBackend):
    """django-axes' lockout for every sign-in that comes with a request (forms, admin).

    Code that authenticates without a request (management commands, the test client's
    `login`) has no client address to count failures against, so it is passed on to the
    next backend instead of raising.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the API's limits see it, or None when a request has none.

    Requests made inside the process (e.g. `force_login`) carry no address; axes stores
    addresses in an IP column, which PostgreSQL checks, so anything else must be None.
    """
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


# Django's usernames are at most 150 characters, so a longer one cannot belong to anyone.
USERNAME_LIMIT = 150


def client_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username axes counts failures for, cut to what a username can be.

    Axes stores it in a 255-character column without checking; a sign-in form posted with a
    100,000-character "username" would otherwise fail on PostgreSQL with a 500.
    """
    source = credentials or getattr(request, "POST", None) or {}
    username = source.get("username")
    if username is None:
        return None
    return str(username).replace("\x00", "")[:USERNAME_LIMIT]
