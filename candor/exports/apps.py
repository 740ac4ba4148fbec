from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "candor.exports"
    label = "exports"
    verbose_name = "Exports and backups"
