"""What the admin takes from a request, checked before it reaches the database.

Two places where Django's admin passes request text to a query unchecked, so that a bad value
was a server error instead of the admin's own answer to bad input:

- When a change form comes back with errors, the autocomplete widgets label the posted choice
  by looking it up (`AutocompleteSelect.optgroups`): "abc" or a NUL for an integer key fails.
  The checked widgets drop such values before the lookup; the form field has refused them
  already ("select a valid choice"), so nothing is lost.
- A list's filter values go to the query as they are, and PostgreSQL refuses a NUL in a text
  parameter when the page is rendered. The checked list treats a NUL as the admin treats any
  filter it cannot apply (IncorrectLookupParameters: the list's error page; the roster export's
  message), wherever the list is built.

`PortalAdminSite` gives `CheckedInputAdminMixin` to every admin it registers.
"""

from __future__ import annotations

from functools import cache

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import connection


class _KeysOnly:
    def _can_be_key(self, value) -> bool:
        remote = self.field.remote_field
        options = remote.model._meta
        target = options.get_field(getattr(remote, "field_name", None) or options.pk.attname)
        text = str(value)
        if "\x00" in text:  # PostgreSQL refuses it even where the key is text
            return False
        try:
            key = target.to_python(text)
        except (ValidationError, ValueError, TypeError):
            return False
        if isinstance(key, int):  # beyond the column's range: SQLite cannot even bind it
            low, high = connection.ops.integer_field_range(target.get_internal_type())
            if (low is not None and key < low) or (high is not None and key > high):
                return False
        return True

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._can_be_key(v)], attr)


class CheckedAutocompleteSelect(_KeysOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_KeysOnly, AutocompleteSelectMultiple):
    pass


class _NulFreeFilters:
    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for values in lookup_params.values():
            for value in values if isinstance(values, list | tuple) else [values]:
                if "\x00" in str(value):
                    raise IncorrectLookupParameters("A filter value contains a NUL character.")
        return lookup_params


@cache
def _checked_changelist(base: type) -> type:
    return type(f"Checked{base.__name__}", (_NulFreeFilters, base), {"__module__": __name__})


class CheckedInputAdminMixin:
    """A ModelAdmin whose autocomplete fields use the checked widgets and whose list (also as
    the roster export reads it) refuses a NUL in a filter."""

    def get_changelist(self, request, **kwargs):
        return _checked_changelist(super().get_changelist(request, **kwargs))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
