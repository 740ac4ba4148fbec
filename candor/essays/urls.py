from django.urls import path, re_path

from candor.essays import views
from candor.essays.feeds import EssayFeed

app_name = "essays"

# /essays/<year>/<month>/<day>/<slug>/ with zero-padded month and day.
DATE_SLUG = r"(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)"

urlpatterns = [
    path("", views.essay_index, name="index"),
    path("feed/", EssayFeed(), name="feed"),
    path("tags/<slug:slug>/", views.tag_page, name="tag"),
    path("reviewers/<slug:slug>/", views.reviewer_page, name="reviewer"),
    re_path(rf"^{DATE_SLUG}/$", views.essay_detail, name="detail"),
    re_path(rf"^{DATE_SLUG}\.pdf$", views.essay_pdf_view, name="pdf"),
    re_path(rf"^{DATE_SLUG}/citation\.bib$", views.citation, {"kind": "bib"}, name="cite-bib"),
    re_path(rf"^{DATE_SLUG}/citation\.ris$", views.citation, {"kind": "ris"}, name="cite-ris"),
    re_path(rf"^{DATE_SLUG}/citation\.json$", views.citation, {"kind": "json"}, name="cite-json"),
]
