"""Autocomplete widgets that look up only values that can be keys.

When a change form comes back with errors, Django's autocomplete widgets label the posted
choice by looking it up (`AutocompleteSelect.optgroups`), passing the raw text to the query: a
posted "abc" or a NUL for an integer key is then a server error instead of the form's own
"select a valid choice". These widgets drop such values before the lookup; the form field has
already refused them, so nothing is lost. `PortalAdminSite` gives them to every admin.
"""

from __future__ import annotations

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class _KeysOnly:
    def _can_be_key(self, value) -> bool:
        remote = self.field.remote_field
        options = remote.model._meta
        target = options.get_field(getattr(remote, "field_name", None) or options.pk.attname)
        text = str(value)
        if "\x00" in text:  # PostgreSQL refuses it even where the key is text
            return False
        try:
            target.to_python(text)
        except (ValidationError, ValueError, TypeError):
            return False
        return True

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._can_be_key(v)], attr)


class CheckedAutocompleteSelect(_KeysOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_KeysOnly, AutocompleteSelectMultiple):
    pass


class CheckedAutocompleteMixin:
    """A ModelAdmin whose autocomplete fields use the checked widgets."""

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
