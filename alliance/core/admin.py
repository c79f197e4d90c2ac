"""Admin for the accounts, and the small admin helpers every app's admin uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, Model, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from alliance.core import services, workcalendar
from alliance.core.admin_input import CheckedAutocompleteSelect
from alliance.core.forms import CalendarScheduleForm
from alliance.core.models import (
    CalendarDay,
    CalendarYear,
    Notification,
    User,
    WorkerHeartbeat,
)
from alliance.core.paginators import LargeTableAdminMixin
from alliance.core.signals import calendar_changed


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
    change_list_template = "admin/alliance/calendarday/change_list.html"

    def get_urls(self):
        schedule = path(
            "schedule/",
            self.admin_site.admin_view(self.schedule_view),
            name="alliance_calendarday_schedule",
        )
        return [schedule, *super().get_urls()]

    def schedule_view(self, request: HttpRequest) -> HttpResponse:
        """A year's whole schedule at once: read the pasted notice, show every day it gives (or
        every line it cannot read), and save only what staff saw in the preview."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = CalendarScheduleForm(
            request.POST or None, initial={"year": _first_unknown_year(timezone.localdate())}
        )
        if request.method == "POST" and form.is_valid() and "_save" in request.POST:
            year = form.cleaned_data["year"]
            entered = services.calendar_schedule_enter(
                year=year,
                days=form.cleaned_data["days"],
                actor=request.user,
                complete=form.cleaned_data["complete"],
            )
            self.message_user(request, _schedule_message(year, entered), messages.SUCCESS)
            return redirect("admin:alliance_calendarday_changelist")
        preview = schedule_preview(form.cleaned_data) if form.is_bound and form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Enter a year's holiday schedule"),
            "form": form,
            "problems": form.problems,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/alliance/calendarday/schedule.html", context)

    # A day's working status moves the deadlines counted across it and the escalation moments
    # of the needs whose rungs count it.

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        calendar_changed.send(sender=CalendarDay)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        calendar_changed.send(sender=CalendarDay)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        calendar_changed.send(sender=CalendarDay)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """The years staff marked complete; marked from the schedule form, taken back here."""

    list_display = ("year", "completed_at", "completed_by")
    list_select_related = ("completed_by",)
    readonly_fields = ("year", "completed_at", "completed_by")
    ordering = ("-year",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj) -> None:
        services.calendar_year_reopen(year=obj)

    def delete_queryset(self, request, queryset) -> None:
        for year in queryset:
            services.calendar_year_reopen(year=year)


def _first_unknown_year(today) -> int:
    """The year the office most likely comes to enter: the first one not known yet."""
    unknown = workcalendar.unknown_years_ahead(today, months=24)
    return unknown[0] if unknown else today.year + 1


def _schedule_message(year: int, entered: services.ScheduleEntered) -> str:
    message = _(
        "%(year)s: %(created)s days added, %(updated)s changed, %(unchanged)s already entered."
    ) % {
        "year": year,
        "created": entered.created,
        "updated": entered.updated,
        "unchanged": entered.unchanged,
    }
    if entered.completed:
        message += " " + _(
            "The year is marked complete: the deadlines of running needs are being counted again."
        )
    elif entered.created or entered.updated:
        message += " " + _("The deadlines of running needs are being counted again.")
    return message


@dataclass(frozen=True)
class PreviewRow:
    day: date
    is_workday: bool
    name: str
    line: int
    state: str  # "new", "changed", "same"
    before: str  # what was entered before, for a changed day
    odd: bool  # a make-up working day that is a weekday anyway: most likely a typing error


def schedule_preview(cleaned: dict) -> dict:
    """What saving would do, day by day, against what is entered for the year now."""
    year, days = cleaned["year"], cleaned["days"]
    entered = {
        row.date: row
        for row in CalendarDay.objects.filter(
            date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
        )
    }
    rows = []
    for day in days:
        row = entered.get(day.day)
        if row is None:
            state, before = "new", ""
        elif (row.is_workday, row.name) == (day.is_workday, day.name):
            state, before = "same", ""
        else:
            state = "changed"
            before = " ".join(filter(None, [_label(row.is_workday), row.name]))
        rows.append(
            PreviewRow(
                day=day.day,
                is_workday=day.is_workday,
                name=day.name,
                line=day.line,
                state=state,
                before=before,
                odd=day.is_workday and day.day.weekday() < 5,
            )
        )
    given = {day.day for day in days}
    return {
        "year": year,
        "rows": rows,
        "holidays": sum(not day.is_workday for day in days),
        "workdays": sum(day.is_workday for day in days),
        "kept": [row for when, row in sorted(entered.items()) if when not in given],
        "already_complete": CalendarYear.objects.filter(year=year).first(),
        "package_knows": workcalendar.package_knows(year),
        "complete": cleaned["complete"],
    }


def _label(is_workday: bool) -> str:
    return str(_("working day") if is_workday else _("day off"))


@admin.register(Notification)
class NotificationAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Millions of rows at province scale: estimated count, a date filter, no date_hierarchy
    # (alliance.core.paginators).
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "email_status")
    list_filter = ("email_status", "kind", "created_at")
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__username", "recipient__full_name")
    ordering = ("-pk",)  # newest first from the primary key index (created_at has none alone)
