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

# --- Django admin: every ModelAdmin, inline and list-filter option and hook (Django 5.2) ---
framework.action_checkbox
framework.action_form
framework.actions
framework.actions_on_bottom
framework.actions_on_top
framework.actions_selection_counter
framework.add_form_template
framework.add_view
framework.autocomplete_fields
framework.can_delete
framework.change_form_template
framework.change_list_template
framework.change_view
framework.changeform_view
framework.changelist_view
framework.checks_class
framework.construct_change_message
framework.date_hierarchy
framework.delete_confirmation_template
framework.delete_model
framework.delete_queryset
framework.delete_selected_confirmation_template
framework.delete_view
framework.fieldsets
framework.filter_horizontal
framework.filter_vertical
framework.fk_name
framework.formfield_for_choice_field
framework.formfield_for_dbfield
framework.formfield_for_foreignkey
framework.formfield_for_manytomany
framework.formfield_overrides
framework.get_action
framework.get_action_choices
framework.get_actions
framework.get_autocomplete_fields
framework.get_changeform_initial_data
framework.get_changelist
framework.get_changelist_form
framework.get_changelist_formset
framework.get_changelist_instance
framework.get_deleted_objects
framework.get_empty_value_display
framework.get_exclude
framework.get_extra
framework.get_facet_counts
framework.get_field_queryset
framework.get_fields
framework.get_fieldsets
framework.get_formset
framework.get_formset_kwargs
framework.get_formsets_with_inlines
framework.get_inline_formsets
framework.get_inline_instances
framework.get_inlines
framework.get_list_display
framework.get_list_display_links
framework.get_list_filter
framework.get_list_select_related
framework.get_max_num
framework.get_min_num
framework.get_model_perms
framework.get_ordering
framework.get_paginator
framework.get_prepopulated_fields
framework.get_preserved_filters
framework.get_readonly_fields
framework.get_search_fields
framework.get_search_results
framework.get_sortable_by
framework.get_view_on_site_url
framework.has_add_permission
framework.has_change_permission
framework.has_delete_permission
framework.has_module_permission
framework.has_view_or_change_permission
framework.has_view_permission
framework.history_view
framework.inlines
framework.list_display
framework.list_display_links
framework.list_editable
framework.list_filter
framework.list_max_show_all
framework.list_per_page
framework.list_select_related
framework.log_addition
framework.log_change
framework.log_deletion
framework.log_deletions
framework.lookups
framework.model_admin  # SimpleListFilter.lookups(request, model_admin)
framework.max_num
framework.min_num
framework.object_history_template
framework.parameter_name
framework.popup_response_template
framework.prepopulated_fields
framework.preserve_filters
framework.radio_fields
framework.raw_id_fields
framework.readonly_fields
framework.render_change_form
framework.render_delete_form
framework.response_action
framework.response_add
framework.response_change
framework.response_delete
framework.response_post_save_add
framework.response_post_save_change
framework.save_as
framework.save_as_continue
framework.save_form
framework.save_formset
framework.save_model
framework.save_on_top
framework.save_related
framework.search_fields
framework.search_help_text
framework.show_change_link
framework.show_facets
framework.show_full_result_count
framework.sortable_by
framework.view_on_site

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
framework.cover_alt  # catalog/_cover.html
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

# --- Python's http.server request handlers (a test's local cover server) --------------------
framework.do_GET
framework.log_message

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
framework.edition_ratings
framework.verified_review

# --- Standard library and library callbacks and attributes ------------------------------------
framework.handle_data  # html.parser.HTMLParser
framework.handle_endtag
framework.handle_startendtag
framework.writable  # io.RawIOBase
framework.daemon_threads  # socketserver
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

# --- inspect.signature: reads a function's __signature__ (Ibis names a UDF's arguments so) ---
framework.__signature__
framework.__qualname__  # and its name (candor/pipeline/per_book.py `on_batches`)
