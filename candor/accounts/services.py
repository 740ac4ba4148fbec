from django.contrib.auth.models import User
from django.db import transaction

from candor.accounts.models import Profile


@transaction.atomic
def create_account(username: str, email: str, password: str, display_name: str = "") -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, display_name=display_name)
    return user
