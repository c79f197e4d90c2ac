"""The portal's admin site: Django's, with its titles, and without the work a page does not use.

Every admin page builds the list of all registered models and the user's permissions on each
(`AdminSite.each_context` → `get_app_list`) for the navigation sidebar, whether it shows or not:
a noticeable share of a changelist's time (measured in docs/benchmarks.md). Here the list is
built only when a template reads it (the index and app pages), and the sidebar is off: it
repeated on every page, at 40 models, the index page's list, which the breadcrumbs lead to
(docs/decisions.md).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from alliance.core.admin_input import CheckedInputAdminMixin


class PortalAdminSite(admin.AdminSite):
    site_header = _("Red Chain alliance portal · administration")
    site_title = _("Red Chain administration")
    index_title = _("Records")
    enable_nav_sidebar = False

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin, including ones added later, gets the autocomplete widgets that look up
        only values that can be keys (alliance.core.admin_input)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedInputAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (CheckedInputAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        """Django's list, built when first read (a template iterating it, `if not app_list`)."""
        parent = super().get_app_list
        return SimpleLazyObject(lambda: parent(request, app_label))
