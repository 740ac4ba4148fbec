from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "candor.reviews"
    label = "reviews"
