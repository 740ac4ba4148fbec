"""Candor's URLs plus one view with a bug, to see the page a visitor gets on a server error."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from candor.urls import urlpatterns as site_urls


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [*site_urls, path("broken/", broken)]
