from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from candor.accounts.models import ApiToken, Profile
from candor.reviews.services import delete_users


class CandorUserAdmin(UserAdmin):
    """Django's user admin, deleting accounts through the service that recomputes the
    ratings of the books their reviews and votes counted in."""

    def delete_model(self, request: HttpRequest, obj: User) -> None:  # type: ignore[override]
        delete_users(User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:  # type: ignore[override]
        delete_users(queryset)


admin.site.unregister(User)
admin.site.register(User, CandorUserAdmin)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name"]
    search_fields = ["user__username", "display_name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
