"""Names a framework calls or reads by name, which vulture cannot see being used.

Read by vulture with the code (see [tool.vulture] in pyproject.toml), never imported.
Only framework-called names belong here: code that nothing calls is removed instead.
A name listed once counts as used everywhere, so keep the list to names that a
framework owns.
"""


class _Framework:
    """Stands for whatever object the framework looks the name up on."""

    def __getattr__(self, name: str) -> None:
        return None


framework = _Framework()

# --- Django admin: ModelAdmin, inline and list-filter options and hooks ----------------
framework.action_form
framework.actions
framework.autocomplete_fields
framework.can_delete
framework.date_hierarchy
framework.delete_model
framework.delete_queryset
framework.fieldsets
framework.get_readonly_fields
framework.has_add_permission
framework.has_change_permission
framework.has_delete_permission
framework.inlines
framework.list_display
framework.list_display_links
framework.list_filter
framework.list_select_related
framework.lookups
framework.model_admin  # SimpleListFilter.lookups(request, model_admin)
framework.parameter_name
framework.prepopulated_fields
framework.readonly_fields
framework.save_model
framework.search_fields

# --- Django forms: per-field cleaning, ModelForm Meta ----------------------------------
framework.clean_doi
framework.clean_email
framework.clean_isbn13
framework.clean_issn
framework.clean_name
framework.clean_ordered_at
framework.clean_password
framework.clean_title
framework.widgets

# --- Django apps, URL namespaces, model Meta ---------------------------------------------
framework.AccountsConfig
framework.CatalogConfig
framework.DeskConfig
framework.EssaysConfig
framework.ExportsConfig
framework.ReviewsConfig
framework.abstract
framework.app_name
framework.verbose_name
framework.verbose_name_plural

# --- Django migrations ----------------------------------------------------------------------------
framework.dependencies

# --- Django class-based views ------------------------------------------------------------------
framework.extra_email_context

# --- Django management commands ----------------------------------------------------------
framework.Command
framework.add_arguments
framework.help

# --- Django ORM: models, fields and choices read by templates, forms, admin, migrations ---
framework.EditionChange
framework.ATTACH
framework.MERGE
framework.SPLIT
framework.count_after
framework.count_before
framework.from_works
framework.rating_after
framework.AUDIOBOOK
framework.EBOOK
framework.HARDCOVER
framework.OTHER
framework.PAPERBACK
framework.TRANSLATOR
framework.FAKE
framework.OFFENSIVE
framework.OFF_TOPIC
framework.copyright_line
framework.hidden_at
framework.language
framework.publisher_id  # foreign key columns set before save()
framework.series_id

# --- Django custom model field API ---------------------------------------------------------
framework.db_type
framework.prepared  # get_db_prep_value(value, connection, prepared)

# --- Django templates: attributes read only by a template -----------------------------------
framework.computed  # desk/desk.html
framework.gridlines  # catalog/_rating_chart.html
framework.url_path  # essays/_bibliography.html

# --- Django syndication feeds -----------------------------------------------------------------
framework.feed_type
framework.feed_url
framework.item_link
framework.item_author_name
framework.item_categories
framework.item_pubdate
framework.item_title
framework.item_updateddate

# --- Django sitemaps -----------------------------------------------------------------------------
framework.get_domain
framework.get_protocol
framework.lastmod

# --- Named by dotted path in settings.py (middleware, django-axes callables) ----------------
framework.JsonErrorsUnderApi
framework.RefuseNullCharacters
framework.RequestLogMiddleware
framework.SignInThrottle
framework.client_ip
framework.client_username

# --- gunicorn server hooks ----------------------------------------------------------------------
framework.post_worker_init

# --- django-ninja schemas: response fields ---------------------------------------------------
framework.id
framework.verified_review

# --- Standard library and library callbacks and attributes ------------------------------------
framework.handle_data  # html.parser.HTMLParser
framework.handle_endtag
framework.handle_startendtag
framework.writable  # io.RawIOBase
framework.compress_type  # zipfile.ZipInfo
framework.external_attr
framework.has_canonical_format  # scipy.sparse: skips a re-sort of sorted indices
framework.side_effect  # unittest.mock

# --- Dataclass fields written out whole by dataclasses.asdict (benchmark JSON and JSONL) ----
framework.edition_new_distrusted
framework.launched_at
framework.spill_largest
framework.unrated_targets

# --- pytest: module marks, hooks, settings a test changes through the settings fixture -----
# (a test's unused arguments, fixtures it asks for by name, are left out by .ci/deadcode)
framework.pytestmark
framework.pytest_configure
framework.AXES_FAILURE_LIMIT
framework.CACHES

# --- Locust (bench/load/locustfile.py) ---------------------------------------------------------
framework.on_start
framework.wait_time
