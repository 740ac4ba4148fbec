"""The Atom feed of published essays, newest first; its addresses are on SITE_URL."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from candor.catalog.site_urls import on_site
from candor.essays.models import Essay

FEED_SIZE = 30


class EssayFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed
    title = "Candor: review essays"
    subtitle = "Long-form reviews of books in the Candor catalogue."

    def link(self) -> str:
        return on_site(reverse("essays:index"))

    def feed_url(self) -> str:
        return on_site(reverse("essays:feed"))

    def item_link(self, item: Essay) -> str:
        return on_site(item.get_absolute_url())

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
