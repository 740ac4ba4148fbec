from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=1000, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


def display_name(user: settings.AUTH_USER_MODEL) -> str:  # type: ignore[valid-type]
    """The name shown next to a user's reviews."""
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or user.get_username()


class ApiToken(models.Model):
    """A personal token for the REST API. Only a hash is stored: the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What the token is for.")
    # The first characters of the token, so its owner can tell tokens apart.
    prefix = models.CharField(max_length=12)
    # SHA-256 of the whole token: tokens are long random strings, so a fast hash is enough.
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
