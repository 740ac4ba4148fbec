from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "candor.catalog"
    label = "catalog"

    def ready(self) -> None:
        # Schema upkeep, not a side effect of saving anything: a migration that rebuilds
        # a SQLite table drops the search index's triggers (candor.catalog.search_index).
        from candor.catalog.search_index import after_migrate

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="catalog-search-triggers")
