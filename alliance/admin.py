"""Admin for the accounts, and the small admin helpers every app's admin uses."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, Model, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from alliance.admin_input import CheckedAutocompleteSelect
from alliance.models import CalendarDay, Notification, User, WeeklyReport, WorkerHeartbeat
from alliance.paginators import LargeTableAdminMixin
from liaisons.services import escalations


def count_of(model: type[Model], fk: str, condition: Q | None = None) -> Coalesce:
    """Per-row count of related rows as a correlated subquery, for changelist columns.

    Unlike Count() over a join it needs no GROUP BY, so the changelist's COUNT(*) and the date
    hierarchy stay plain queries on the table, and a join cannot multiply the count.
    """
    related = model._default_manager.filter(**{fk: OuterRef("pk")})
    if condition is not None:
        related = related.filter(condition)
    counted = related.order_by().values(fk).annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class NamedRelatedFilter(admin.RelatedFieldListFilter):
    """A changelist filter on a foreign key to a model shown by its `name` (chains,
    departments): the choices are read as (id, name) pairs in the model's order instead of
    as model instances turned into strings (200 chains at province scale, on every page)."""

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model
        ordering = self.field_admin_ordering(field, request, model_admin) or (
            related._meta.ordering
        )
        return list(related._default_manager.order_by(*ordering).values_list("pk", "name"))


class TransitionCheckedForm(forms.ModelForm):
    """A status may only move along its model's table of allowed moves (`can_transition_to`).

    Until every workflow has its services, staff still set some statuses in the admin; this
    keeps them from making a move the workflow would refuse (e.g. a cancelled event held again).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = type(self.instance)
        self.initial_status = (
            self.instance.status if self.instance.pk else model._meta.get_field("status").default
        )

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status != self.initial_status:
            current = type(self.instance)(status=self.initial_status)
            if not current.can_transition_to(status):
                labels = dict(self.fields["status"].choices)
                raise forms.ValidationError(
                    _("The status cannot move from “%(current)s” to “%(new)s”."),
                    code="illegal_transition",
                    params={"current": labels[self.initial_status], "new": labels[status]},
                )
        return status


class ReadOnlyAdminMixin:
    """For records written only by the system (heartbeats, reminder claims, timelines)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _pk_or_404(field, value: str):
    try:
        return field.to_python(unquote(value))
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history's admin, with its ids checked as Django's own admin pages check theirs.

    Its history pages hand the URL's text straight to the database, so "abc" or a NUL in the
    place of an id was a server error; an id that cannot be a primary key is not found.
    """

    def history_view(self, request, object_id, extra_context=None):
        _pk_or_404(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _pk_or_404(self.model._meta.pk, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        _pk_or_404(history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class PreloadedAutocompleteSelect(CheckedAutocompleteSelect):
    """An autocomplete that labels its current choice from the row's already loaded object.

    Django's autocomplete widget looks its selected object up again for every form, so an
    inline with 80 invitations would run 80 queries. The formset below hands each widget the
    object its row already carries (loaded with select_related by the inline's queryset).
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        obj = self.preloaded
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if obj is None or selected != [str(obj.pk)]:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(obj)
        options.append(self.create_option(name, obj.pk, label, set(selected), len(options)))
        return [(None, options, 0)]


class PreloadedInlineFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk is None:
            return form
        for name, field in form.fields.items():
            # The admin wraps the widget to add the "+" and pencil links.
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, PreloadedAutocompleteSelect):
                widget.preloaded = getattr(form.instance, name)
        return form


class PreloadedAutocompleteInlineMixin:
    """Inline whose autocomplete fields cost no query per row.

    Set ``list_select_related`` to the relations the rows show (autocomplete targets and
    whatever ``__str__`` reads), the mixin loads them with the rows.
    """

    formset = PreloadedInlineFormSet
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "phone",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "full_name",
        "phone",
        "email",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "full_name", "phone", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Park staff manage accounts, but cannot hand out powers they do not hold.
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        # Otherwise a staff member could set a superuser's password and sign in as them.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # "Delete selected" checks the permission without an object, so check the rows here.
        if not request.user.is_superuser and queryset.filter(is_superuser=True).exists():
            raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "last_seen_at")
    search_fields = ("name",)
    ordering = ("name",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)

    # A day's working status moves the escalation moments of the needs whose rungs count it.

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        escalations.escalations_reschedule_later()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        escalations.escalations_reschedule_later()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        escalations.escalations_reschedule_later()


@admin.register(Notification)
class NotificationAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Millions of rows at province scale: estimated count, a date filter, no date_hierarchy
    # (alliance.paginators).
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "email_status")
    list_filter = ("email_status", "kind", "created_at")
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__username", "recipient__full_name")
    ordering = ("-pk",)  # newest first from the primary key index (created_at has none alone)


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Snapshots as published; staff regenerate a week on the report page, never here."""

    list_display = ("__str__", "generated_at", "generated_by")
    list_select_related = ("generated_by",)
    date_hierarchy = "week_start"
    ordering = ("-week_start",)
