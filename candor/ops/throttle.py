from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


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
