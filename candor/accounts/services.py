"""Accounts: open one, edit its profile, close it (its reviews removed or kept under no
name). Changes to reviews, votes and orders go through candor.reviews.services, which
recomputes the ratings they count in."""

import secrets

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction

from candor.accounts.models import Profile
from candor.reviews.services import delete_user_keeping_reviews, delete_users

# The name shown with the reviews of a closed account whose reader chose to keep them.
FORMER_READER = "A former reader"
HEIR_PREFIX = "former-"


@transaction.atomic
def create_account(username: str, email: str, password: str, display_name: str = "") -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, display_name=display_name)
    return user


def update_profile(user: User, display_name: str, bio: str) -> Profile:
    """Store the name shown with the user's reviews and the bio on their profile."""
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.display_name = display_name
    profile.bio = bio
    profile.save(update_fields=["display_name", "bio"])
    return profile


def anonymous_heir(user: User) -> User:
    """A new account that takes over a closing account's kept reviews: a random name, no
    e-mail, no password, unable to sign in, shown as FORMER_READER. It keeps the date the
    reader joined, because the trust of a review depends on the age of its account
    (candor.trust.live) and keeping reviews must not change what they count for."""
    while True:
        username = HEIR_PREFIX + secrets.token_hex(8)
        if not User.objects.filter(username=username).exists():
            break
    heir = User.objects.create(
        username=username,
        password=make_password(None),
        is_active=False,
        date_joined=user.date_joined,
    )
    Profile.objects.create(user=heir, display_name=FORMER_READER)
    return heir


@transaction.atomic
def close_account(user: User, keep_reviews: bool) -> int:
    """Delete the user's account, profile, tokens, votes, reports and orders. Their
    reviews are deleted too, or, with ``keep_reviews``, stay on the site under
    FORMER_READER (`anonymous_heir`). Either way the ratings of the books concerned are
    recomputed. Returns how many reviews stay on the site."""
    if keep_reviews:
        return delete_user_keeping_reviews(user, anonymous_heir(user))
    delete_users(User.objects.filter(pk=user.pk))
    return 0
