"""The Atom feed of published essays, newest first."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from candor.essays.models import Essay

FEED_SIZE = 30


class EssayFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed
    title = "Candor: review essays"
    link = reverse_lazy("essays:index")
    subtitle = "Long-form reviews of books in the Candor catalogue."

    def items(self) -> QuerySet[Essay]:
        return Essay.objects.published().select_related("reviewer")[:FEED_SIZE]

    def item_title(self, item: Essay) -> str:
        return item.title

    def item_description(self, item: Essay) -> str:
        return item.summary or item.body_html

    def item_author_name(self, item: Essay) -> str:
        return item.reviewer.name

    def item_pubdate(self, item: Essay) -> datetime:
        return timezone.make_aware(datetime.combine(item.published_on, time(12)))

    def item_updateddate(self, item: Essay) -> datetime:
        return item.updated_at

    def item_categories(self, item: Essay) -> list[str]:
        return [tag.name for tag in item.tags.all()]
