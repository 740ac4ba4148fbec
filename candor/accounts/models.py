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
