from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from candor import sitemaps
from candor.accounts import account_views
from candor.accounts import views as accounts
from candor.api import api
from candor.catalog import views as catalog
from candor.ops import views as ops
from candor.reviews import views as reviews

urlpatterns = [
    path("", catalog.home, name="home"),
    path("search/", catalog.search, name="search"),
    path("books/", catalog.books, name="books"),
    path("books/<slug:slug>/", catalog.book_detail, name="book"),
    path("books/<slug:slug>/cover", catalog.book_cover, name="book_cover"),
    path("books/<slug:slug>/ratings/", catalog.rating_explanation, name="rating_explanation"),
    path("books/<slug:slug>/review/", reviews.write_review, name="write_review"),
    path("reviews/<int:review_id>/helpful/", reviews.helpful, name="helpful"),
    path("reviews/<int:review_id>/report/", reviews.report, name="report"),
    path("authors/<slug:slug>/", catalog.author, name="author"),
    path("series/<slug:slug>/", catalog.series, name="series"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/settings/", account_views.profile_settings, name="account_settings"),
    path("accounts/settings/tokens/", account_views.api_tokens, name="api_tokens"),
    path("accounts/settings/data/", account_views.your_data, name="your_data"),
    path("accounts/settings/delete/", account_views.delete_account, name="delete_account"),
    path("accounts/data.json", account_views.download_everything, name="download_everything"),
    path("accounts/tokens/", accounts.create_api_token, name="create_api_token"),
    path(
        "accounts/tokens/<int:token_id>/revoke/",
        accounts.revoke_api_token,
        name="revoke_api_token",
    ),
    path(
        "accounts/reviews.csv",
        accounts.download_reviews,
        {"fmt": "csv"},
        name="download_reviews_csv",
    ),
    path(
        "accounts/reviews.json",
        accounts.download_reviews,
        {"fmt": "json"},
        name="download_reviews_json",
    ),
    # Django's own password change, shown among the settings pages (before the auth
    # URLs, which have the same address and name without the settings' context).
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(extra_context={"tab": "password"}),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(extra_context={"tab": "password"}),
        name="password_change_done",
    ),
    # Before the auth URLs, which have the same address and name: its link is on SITE_URL.
    path(
        "accounts/password_reset/",
        accounts.PasswordResetOnSite.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("users/<str:username>/", accounts.profile, name="profile"),
    path("api/v1/", api.urls),
    path("essays/", include("candor.essays.urls")),
    path("desk/", include("candor.desk.urls")),
    path("admin/", admin.site.urls),
    path("healthz", ops.healthz, name="healthz"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:name>.xml", sitemaps.section, name="sitemap_section"),
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
    path("favicon.ico", ops.favicon, name="favicon"),
]
