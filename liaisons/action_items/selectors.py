"""Reads of the action items: `action_items_visible_to` is the one scoping function; the list's
filters and its prefetches."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from alliance.core.staff import is_park_staff
from chains.models import IndustryChain
from enterprises.models import EnterpriseContact
from liaisons.action_items.services import CLOSED_STATUSES, OPEN_STATUSES, overdue_q
from liaisons.models import (
    ActionItem,
    ActionItemParticipant,
    ActionItemProgress,
    ActionItemStatus,
    Liaison,
    LiaisonAssignment,
)

if TYPE_CHECKING:
    from liaisons.action_items.forms import ActionItemFilterForm


def action_items_visible_to(
    user, *, staff: bool | None = None, today: date | None = None
) -> QuerySet[ActionItem]:
    """Every action item `user` may see, and no other; every action items page starts here.

    - park staff: all items;
    - the owner: their own;
    - a chain chief: the items of the chain(s) they chair;
    - a liaison: the items their actively assigned firms take part in;
    - an enterprise's contact (secretary): the items their firm takes part in (read only);
    - a department head: the items owned by the department's liaisons;
    - anybody else: none.
    One SQL statement of subqueries (no DISTINCT needed); the only other query is the staff check
    (skipped when the caller already knows it: `staff`).
    """
    if not (user.is_authenticated and user.is_active):
        return ActionItem.objects.none()
    if is_park_staff(user) if staff is None else staff:
        return ActionItem.objects.all()
    today = today or timezone.localdate()
    active = Q(until__isnull=True) | Q(until__gte=today)
    firms = Q(enterprise__in=EnterpriseContact.objects.filter(user=user).values("enterprise")) | Q(
        enterprise__in=LiaisonAssignment.objects.filter(active, liaison__user=user).values(
            "enterprise"
        )
    )
    chaired = ActionItem.chains.through.objects.filter(industrychain__chief=user).values(
        "actionitem"
    )
    return ActionItem.objects.filter(
        Q(owner=user)
        | Q(pk__in=chaired)
        | Q(pk__in=ActionItemParticipant.objects.filter(firms).values("action_item"))
        | Q(owner__in=Liaison.objects.filter(department__head=user).values("user"))
    )


def progress_percent() -> Case:
    """How far an item has come: 100 when it is done (its last report may say 40 % from weeks
    before), otherwise the percentage of its latest report that gave one (a cancelled item keeps
    the progress it had reached)."""
    latest = Subquery(
        ActionItemProgress.objects.filter(action_item=OuterRef("pk"), percent__isnull=False)
        .order_by("-created_at", "-pk")
        .values("percent")[:1],
        output_field=IntegerField(),
    )
    return Case(
        When(status=ActionItemStatus.DONE, then=Value(100)),
        default=latest,
        output_field=IntegerField(),
    )


def filter_action_items(
    items: QuerySet[ActionItem], filters: ActionItemFilterForm, *, user, today: date
) -> QuerySet[ActionItem]:
    """`items` (already scoped) narrowed by the list's filters, open ones first, nearest due
    first, each with its progress."""
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"] == "open":
            items = items.filter(status__in=OPEN_STATUSES)
        elif data["status"]:
            items = items.filter(status=data["status"])
        if data["kind"]:
            items = items.filter(kind=data["kind"])
        if data["chain"]:
            items = items.filter(
                pk__in=ActionItem.chains.through.objects.filter(industrychain=data["chain"]).values(
                    "actionitem"
                )
            )
        if data["overdue"]:
            items = items.filter(overdue_q(today))
        if data["mine"]:
            items = items.filter(owner=user)
        if data["q"].strip():
            text = data["q"].strip()
            firms = ActionItemParticipant.objects.filter(enterprise__name__icontains=text)
            items = items.filter(
                Q(title__icontains=text)
                | Q(description__icontains=text)
                | Q(pk__in=firms.values("action_item"))
            )
    return items.annotate(
        is_closed=Case(
            When(status__in=CLOSED_STATUSES, then=1),
            default=0,
            output_field=IntegerField(),
        ),
        progress_percent=progress_percent(),
    ).order_by("is_closed", F("due_date").asc(nulls_last=True), "-pk")


def participants_prefetch() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=ActionItemParticipant.objects.select_related("enterprise").order_by(
            "role", "enterprise__name"
        ),
    )


def chains_prefetch() -> Prefetch:
    return Prefetch("chains", queryset=IndustryChain.objects.order_by("order", "code"))
