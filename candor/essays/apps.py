from django.apps import AppConfig


class EssaysConfig(AppConfig):
    name = "candor.essays"
    verbose_name = "Review essays"
