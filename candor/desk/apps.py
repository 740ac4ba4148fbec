from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The moderation desk: staff's pages over the reviews app's models and services."""

    name = "candor.desk"
    label = "desk"
