from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.core.admin import (
    HistoryAdmin,
    PreloadedAutocompleteInlineMixin,
    ReadOnlyAdminMixin,
    TransitionCheckedForm,
    count_of,
)
from alliance.core.paginators import LargeTableAdminMixin
from events.days_off import shift_label
from events.forms import RECURRENCE_FIELDS, RecurrenceFieldsMixin
from events.models import Decision, Event, EventSeries, Invitation, ReminderDispatch
from events.recurrence import describe_rule


class EventSeriesAdminForm(RecurrenceFieldsMixin, forms.ModelForm):
    """The series' schedule from the same choices as the staff page; the rule is written from
    them (a rule they cannot express stays editable as the custom rule)."""

    class Meta:
        model = EventSeries
        # The admin's fieldsets choose what is shown; first_starts_at is computed in clean().
        fields = [
            "kind",
            "title",
            "chains",
            "venue",
            "organizer",
            "is_active",
            "rrule",
            "skip_days_off",
            "duration",
            "months_ahead",
            "agenda",
            "invitees",
        ]

    class Media:
        js = ["js/events.js"]

    def clean(self) -> dict:
        data = super().clean()
        self._clean_recurrence(data, now=None, is_new=not self.instance.pk)
        if "first_starts_at" in data:
            # Not a field of this form: computed from the start date, time and rule.
            self.instance.first_starts_at = data["first_starts_at"]
        return data


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    form = EventSeriesAdminForm
    list_display = (
        "title",
        "kind",
        "schedule",
        "first_starts_at",
        "duration",
        "months_ahead",
        "is_active",
    )
    list_filter = ("kind", "is_active", "chains")
    search_fields = ("title", "venue")
    autocomplete_fields = ("chains", "organizer", "invitees")
    ordering = ("title",)
    fieldsets = (
        (None, {"fields": ("kind", "title", "chains", "venue", "organizer", "is_active")}),
        (
            _("Schedule"),
            {
                "fields": (
                    *RECURRENCE_FIELDS,
                    "first_starts_at",
                    "skip_days_off",
                    "duration",
                    "months_ahead",
                )
            },
        ),
        (_("Agenda and invitees"), {"fields": ("agenda", "invitees")}),
    )
    readonly_fields = ("first_starts_at",)

    @admin.display(description=_("Schedule"), ordering="rrule")
    def schedule(self, series: EventSeries) -> str:
        return describe_rule(series.rrule, timezone.localtime(series.first_starts_at).time())


class InvitationInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ("user", "rsvp", "responded_at", "checked_in_at", "checked_in_by")
    # Stamped by the invitee's own reply and by the check-in pages.
    readonly_fields = ("responded_at", "checked_in_by")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "event", "checked_in_by")
    ordering = ("user__username",)


class DecisionInline(PreloadedAutocompleteInlineMixin, admin.StackedInline):
    model = Decision
    extra = 0
    fields = ("order", "text", "action_item")
    autocomplete_fields = ("action_item",)
    list_select_related = ("action_item",)


@admin.register(Event)
class EventAdmin(HistoryAdmin):
    form = TransitionCheckedForm
    list_display = (
        "title",
        "kind",
        "status",
        "starts_at",
        "venue",
        "organizer",
        "chain_names",
        "invitation_count",
    )
    list_filter = ("status", "kind", "chains", "series")
    list_select_related = ("organizer",)
    search_fields = ("title", "venue", "agenda")
    autocomplete_fields = ("organizer", "chains", "series")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    readonly_fields = ("created_at", "updated_at", "series_slot", "moved_off_day_off")
    # Moving or cancelling a meeting tells every invitee and re-arms the reminders; that happens
    # on the meeting's page (events:event-reschedule / event-cancel), so here they are shown only.
    moved_only_through_the_portal = ("starts_at", "ends_at", "venue", "status", "cancel_reason")

    @admin.display(description=_("moved off the day off"))
    def moved_off_day_off(self, event: Event) -> str:
        return shift_label(event.day_off) if event.day_off else "—"

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.moved_only_through_the_portal if obj is not None else readonly

    inlines = (InvitationInline, DecisionInline)
    fieldsets = (
        (None, {"fields": ("kind", "title", "chains", "organizer", "series")}),
        (
            _("Time and place"),
            {"fields": ("venue", "starts_at", "ends_at", "series_slot", "moved_off_day_off")},
        ),
        (_("Agenda and minutes"), {"fields": ("agenda", "minutes")}),
        (_("Status"), {"fields": ("status", "cancel_reason")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(invitation_total=count_of(Invitation, "event"))
            .prefetch_related("chains")
        )

    @admin.display(description=_("chains"))
    def chain_names(self, obj: Event) -> str:
        return "、".join(chain.name for chain in obj.chains.all())

    @admin.display(description=_("invitations"), ordering="invitation_total")
    def invitation_count(self, obj: Event) -> int:
        return obj.invitation_total


@admin.register(Invitation)
class InvitationAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    # Millions of rows at province scale (alliance.core.paginators): estimated count, a date filter
    # instead of date_hierarchy, newest first from the primary key index (ordering by the
    # meeting's start would sort every invitation on each page).
    list_display = ("event", "user", "rsvp", "responded_at", "checked_in_at")
    list_filter = ("rsvp", "event__kind", "created_at")
    list_select_related = ("event", "user")
    search_fields = ("event__title", "user__username", "user__full_name")
    autocomplete_fields = ("event", "user")
    ordering = ("-pk",)


@admin.register(ReminderDispatch)
class ReminderDispatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The claims that make each reminder go out once; written only by the reminder sweep."""

    list_display = ("event", "recipient", "offset", "event_starts_at", "claimed_at", "sent_at")
    list_select_related = ("event", "recipient")
    search_fields = ("event__title", "recipient__username", "recipient__full_name")
    date_hierarchy = "claimed_at"
    ordering = ("-claimed_at",)
    show_full_result_count = False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("short_text", "event", "action_item", "order", "created_at")
    list_filter = ("event__kind",)
    list_select_related = ("event", "action_item")
    search_fields = ("text", "event__title", "action_item__title")
    autocomplete_fields = ("event", "action_item")
    date_hierarchy = "created_at"
    ordering = ("-event__starts_at", "order")

    @admin.display(description=_("decision"), ordering="text")
    def short_text(self, obj: Decision) -> str:
        return str(obj)
