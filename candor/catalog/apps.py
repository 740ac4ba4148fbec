from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "candor.catalog"
    label = "catalog"
