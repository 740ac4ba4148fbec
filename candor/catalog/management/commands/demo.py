import os
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from candor.accounts.models import Profile
from candor.demo.load import load_demo

DEMO_STAFF_USERNAME = "editor"


class Command(BaseCommand):
    help = "Migrate the database and load the demo catalogue (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        counts = load_demo()
        self.stdout.write(
            f"Demo catalogue loaded: {counts['books']} books, {counts['users']} reviewers, "
            f"{counts['reviews']} reviews."
        )
        self.ensure_staff_user()

    def ensure_staff_user(self) -> None:
        """A local moderator account so the admin can be tried at once."""
        password = os.environ.get("CANDOR_DEMO_PASSWORD", "candor-demo")
        user, created = User.objects.get_or_create(
            username=DEMO_STAFF_USERNAME,
            defaults={"email": "editor@demo.invalid", "is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_password(password)
            user.save()
            Profile.objects.create(user=user, display_name="Demo editor")
            self.stdout.write(
                f"Staff account for /admin/: {DEMO_STAFF_USERNAME} / {password} (local demo only)"
            )
