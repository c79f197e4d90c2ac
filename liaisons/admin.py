from __future__ import annotations

import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from alliance.core.admin import (
    HistoryAdmin,
    NamedRelatedFilter,
    PreloadedAutocompleteInlineMixin,
    ReadOnlyAdminMixin,
    count_of,
)
from alliance.core.paginators import LargeTableAdminMixin
from chains.admin import IndustryChainAdmin as BaseIndustryChainAdmin
from chains.models import IndustryChain
from enterprises.admin import ChainMemberInline
from enterprises.models import ChainMembership
from liaisons.models import (
    ActionItem,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    Department,
    DepartmentResource,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedAttachment,
    NeedEscalation,
    NeedEvent,
    NeedTimeLimit,
    TaskForceMembership,
)
from liaisons.needs import escalations, numbering
from liaisons.needs import services as needs
from liaisons.needs.timeline import render_note


class TaskForceInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = TaskForceMembership
    extra = 0
    fields = ("liaison", "is_lead")
    autocomplete_fields = ("liaison",)
    list_select_related = ("liaison__user", "chain")


# chains cannot import the apps above it, so the chain page gets its member firms (from
# enterprises) and its task force (from here) by extending the chain admin at this level.
admin.site.unregister(IndustryChain)


@admin.register(IndustryChain)
class IndustryChainAdmin(BaseIndustryChainAdmin):
    list_display = (*BaseIndustryChainAdmin.list_display, "member_count", "task_force_count")
    inlines = (ChainMemberInline, TaskForceInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=count_of(ChainMembership, "chain"),
                task_force_count=count_of(TaskForceMembership, "chain"),
            )
        )

    @admin.display(description=_("member firms"), ordering="member_count")
    def member_count(self, obj: IndustryChain) -> int:
        return obj.member_count

    @admin.display(description=_("task force"), ordering="task_force_count")
    def task_force_count(self, obj: IndustryChain) -> int:
        return obj.task_force_count


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "head", "phone", "liaison_count", "order")
    list_select_related = ("head",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("head",)
    ordering = ("order", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(liaison_count=count_of(Liaison, "department"))

    @admin.display(description=_("liaisons"), ordering="liaison_count")
    def liaison_count(self, obj: Department) -> int:
        return obj.liaison_count


class LiaisonAssignmentInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = LiaisonAssignment
    extra = 0
    fields = ("enterprise", "is_primary", "since", "until")
    autocomplete_fields = ("enterprise",)
    list_select_related = ("enterprise", "liaison__user")


class LiaisonTaskForceInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = TaskForceMembership
    extra = 0
    fields = ("chain", "is_lead")
    autocomplete_fields = ("chain",)
    list_select_related = ("chain", "liaison__user")


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "phone", "expertise", "active_assignments", "is_active")
    list_filter = ("department", "is_active")
    list_select_related = ("user", "department")
    search_fields = ("user__full_name", "user__username", "phone", "expertise")
    autocomplete_fields = ("user",)
    ordering = ("department__order", "user__full_name")
    inlines = (LiaisonAssignmentInline, LiaisonTaskForceInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_assignment_count=count_of(
                    LiaisonAssignment, "liaison", Q(until__isnull=True)
                )
            )
        )

    @admin.display(description=_("name"), ordering="user__full_name")
    def name(self, obj: Liaison) -> str:
        return obj.user.get_full_name()

    @admin.display(description=_("firms served"), ordering="active_assignment_count")
    def active_assignments(self, obj: Liaison) -> int:
        return obj.active_assignment_count


class ActiveAssignmentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return (("yes", _("Current")), ("no", _("Ended")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(until__isnull=True)
        if self.value() == "no":
            return queryset.filter(until__isnull=False)
        return queryset


@admin.register(LiaisonAssignment)
class LiaisonAssignmentAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "liaison", "is_primary", "since", "until")
    list_filter = (ActiveAssignmentFilter, "is_primary", "liaison__department")
    list_select_related = ("enterprise", "liaison__user")
    search_fields = ("enterprise__name", "liaison__user__full_name", "liaison__user__username")
    autocomplete_fields = ("liaison", "enterprise")
    date_hierarchy = "since"
    ordering = ("enterprise__name", "-is_primary", "-since")


@admin.register(TaskForceMembership)
class TaskForceMembershipAdmin(admin.ModelAdmin):
    list_display = ("liaison", "chain", "is_lead")
    list_filter = ("chain", "is_lead")
    list_select_related = ("liaison__user", "chain")
    search_fields = ("liaison__user__full_name", "liaison__user__username", "chain__name")
    autocomplete_fields = ("liaison",)
    ordering = ("chain__order", "-is_lead", "liaison__user__full_name")


@admin.register(DepartmentResource)
class DepartmentResourceAdmin(HistoryAdmin):
    list_display = (
        "title",
        "department",
        "category",
        "is_policy_package",
        "valid_from",
        "valid_until",
    )
    list_filter = ("department", "category", "is_policy_package")
    list_select_related = ("department",)
    search_fields = ("title", "description", "tags", "contact")
    ordering = ("department__order", "category", "title")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("department", "title", "category", "is_policy_package", "tags")}),
        (_("Content"), {"fields": ("description", "how_to_apply", "contact")}),
        (_("Validity"), {"fields": ("valid_from", "valid_until", "created_at", "updated_at")}),
    )


class NeedEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The need's timeline: append-only, written by the workflow services."""

    model = NeedEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "entry", "is_public")
    readonly_fields = fields
    ordering = ("created_at", "pk")

    @admin.display(description=_("note"))
    def entry(self, event: NeedEvent) -> str:
        # The portal's own lines in the reader's language, then what the person typed.
        return render_note(event.data, event.note)

    def get_queryset(self, request):
        # The row's __str__ reads the need; the actor column reads the user.
        return super().get_queryset(request).select_related("need", "actor")


class NeedAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    # No file link: attachments are served only by the permission-checked portal view.
    model = NeedAttachment
    extra = 0
    can_delete = False
    fields = ("original_name", "size", "uploaded_by", "is_public", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


# Staff may correct what the enterprise wrote; everything the workflow owns (status, clocks,
# liaison, escalation, returns, rating…) changes only through the workflow services.
NEED_EDITABLE_FIELDS = (
    "category",
    "urgency",
    "title",
    "description",
    "contact_name",
    "contact_phone",
)


# A need number (XQ-2026-00042) or the start of one: at least the prefix and the year.
NUMBER_PREFIX = re.compile(rf"{re.escape(numbering.PREFIX)}-[0-9]{{4}}(-[0-9]*)?")


@admin.register(Need)
class NeedAdmin(LargeTableAdminMixin, HistoryAdmin):
    list_display = (
        "number",
        "title",
        "enterprise",
        "category",
        "urgency",
        "status",
        "liaison",
        "resolve_due",
        "escalation_level",
    )
    # No date_hierarchy (it reads every distinct date of 3 million rows): a date filter instead.
    # The paginator estimates the unfiltered count (LargeTableAdminMixin).
    list_filter = (
        "status",
        "urgency",
        "category",
        "escalation_level",
        ("chain", NamedRelatedFilter),
        ("department", NamedRelatedFilter),
        "created_at",
    )
    list_select_related = ("enterprise", "liaison__user")
    # What the columns read (the liaison's name is its user's `get_full_name`).
    changelist_fields = (
        *("number", "title", "category", "urgency", "status", "resolve_due"),
        *("escalation_level", "created_at", "enterprise__name", "liaison__user__username"),
        *("liaison__user__full_name", "liaison__user__first_name", "liaison__user__last_name"),
    )
    search_fields = ("number", "title", "enterprise__name", "contact_name")
    ordering = ("-created_at", "-pk")
    # Sortable only where an index gives the order (alliance.core.paginators): newest first, the
    # default, and the need number. A title, firm, status or deadline header sorted every need
    # of the province on each page (docs/benchmarks.md): the filters narrow
    # by those instead.
    sortable_by = ("number",)
    inlines = (NeedEventInline, NeedAttachmentInline)
    fieldsets = (
        (None, {"fields": ("number", "enterprise", "chain", "submitted_by", "status")}),
        (
            _("Request"),
            {
                "fields": (
                    "category",
                    "urgency",
                    "title",
                    "description",
                    "contact_name",
                    "contact_phone",
                )
            },
        ),
        (
            _("Handling"),
            {
                "fields": (
                    "liaison",
                    "department",
                    "resources",
                    "escalation_level",
                    "next_escalation_at",
                    "return_count",
                    "extension_workdays",
                    "merged_into",
                    "resolution",
                )
            },
        ),
        (
            _("Deadlines"),
            {
                "classes": ("collapse",),
                "fields": (
                    ("submitted_at", "accept_due", "accepted_at"),
                    ("dispatched_at", "sign_due", "signed_at"),
                    ("first_contact_due", "first_contact_at", "resolve_due"),
                    ("paused_since", "paused_total"),
                    ("replied_at", "rating_due", "closed_at"),
                ),
            },
        ),
        (_("Rating"), {"fields": ("satisfaction", "satisfaction_comment", "rated_at")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request, queryset, search_term):
        """A need number, or the start of one (`XQ-2026-01`), is looked up on the number's
        index; any other text is matched in the number, title, firm and contact as Django
        does. Matching `%XQ-2026-01%` in four columns read every need of a province-sized
        table on each search; the prefix reads the index (docs/benchmarks.md)."""
        term = search_term.strip().upper()
        if NUMBER_PREFIX.fullmatch(term):
            return queryset.filter(number__startswith=term), False
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request, obj=None):
        return [
            field.name
            for field in Need._meta.get_fields()
            if field.concrete and field.name not in NEED_EDITABLE_FIELDS
        ]

    def save_model(self, request, obj, form, change) -> None:
        needs.need_correct(
            need=obj,
            fields={
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in NEED_EDITABLE_FIELDS
            },
        )

    def has_add_permission(self, request) -> bool:
        # Needs are created by enterprises through the portal workflow (numbering, clocks).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a need would erase its append-only timeline; a wrong need is rejected.
        return False

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting would restore an old status and old deadlines behind the workflow's back.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ParticipantInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = ActionItemParticipant
    extra = 0
    fields = ("enterprise", "role")
    autocomplete_fields = ("enterprise",)
    list_select_related = ("enterprise",)


class MilestoneInline(admin.TabularInline):
    model = ActionItemMilestone
    extra = 0
    fields = ("due_on", "text", "done_at")


class ProgressInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Progress reports are append-only: shown here, written through the portal."""

    model = ActionItemProgress
    extra = 0
    can_delete = False
    fields = ("created_at", "author", "percent", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("action_item", "author")


@admin.register(ActionItem)
class ActionItemAdmin(HistoryAdmin):
    list_display = ("title", "kind", "status", "owner", "due_date", "chain_names", "origin_need")
    list_filter = ("kind", "status", "chains", "due_date")
    list_select_related = ("owner", "origin_need")
    search_fields = ("title", "description", "outcome", "enterprises__name")
    autocomplete_fields = ("owner", "origin_need", "chains")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # Status moves follow the services' table of moves (liaisons.action_items.services) and tell
    # the owner and participants; the overdue sweep keeps its own record. So they happen on the
    # item's page under /action-items/, and the admin only shows them (like meetings, events/admin).
    readonly_fields = (
        "status",
        "cancel_reason",
        "overdue_warned_for",
        "created_at",
        "updated_at",
    )
    inlines = (ParticipantInline, MilestoneInline, ProgressInline)
    fieldsets = (
        (None, {"fields": ("kind", "title", "description", "chains", "owner", "origin_need")}),
        (
            _("Progress"),
            {"fields": ("status", "cancel_reason", "overdue_warned_for", "due_date")},
        ),
        (_("Outcome"), {"fields": ("outcome", "outcome_amount")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_fieldsets(self, request, obj=None):
        # Where the status is moved: this item's page, or the list for a new one.
        target = (
            reverse("action_items:action-item-detail", args=[obj.pk])
            if obj is not None and obj.pk
            else reverse("action_items:action-item-list")
        )
        note = format_html(
            '{} <a href="{}">{}</a>',
            _(
                "The status is moved (started, completed or cancelled with a reason) on the "
                "action item's page, which checks the move and tells the people concerned:"
            ),
            target,
            target,
        )
        fieldsets = list(super().get_fieldsets(request, obj))
        name, options = fieldsets[1]
        fieldsets[1] = (name, {**options, "description": note})
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("chains")

    @admin.display(description=_("chains"))
    def chain_names(self, obj: ActionItem) -> str:
        return "、".join(chain.name for chain in obj.chains.all())


@admin.register(NeedTimeLimit)
class NeedTimeLimitAdmin(admin.ModelAdmin):
    """The rows exist for every category × urgency (a migration creates them); staff edit them."""

    list_display = (
        "category",
        "urgency",
        "accept_hours",
        "sign_hours",
        "first_contact_hours",
        "resolve_hours",
        "extension_max_hours",
        "rating_hours",
    )
    list_editable = (
        "accept_hours",
        "sign_hours",
        "first_contact_hours",
        "resolve_hours",
        "extension_max_hours",
        "rating_hours",
    )
    list_filter = ("urgency", "category")
    ordering = ("category", "urgency")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if "resolve_hours" in form.changed_data:
            # It sets when amber is due on the running needs of this category × urgency.
            escalations.escalations_reschedule_later()

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NeedEscalation)
class NeedEscalationAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("need", "level", "due_at", "created_at")
    list_filter = ("level", "created_at")
    list_select_related = ("need",)
    search_fields = ("need__number", "need__title")
    ordering = ("-created_at", "-pk")
