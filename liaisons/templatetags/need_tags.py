"""Template helpers of the needs pages: badge colours and the home page's work panels."""

from __future__ import annotations

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from alliance.roles import AllianceProfile
from liaisons.models import NEED_OPEN_STATUSES, EscalationLevel, NeedEscalation, NeedStatus
from liaisons.selectors import needs_visible_to
from liaisons.views.deadlines import amber_horizon, overdue_q

register = template.Library()

_INFO = "bg-info-subtle text-info-emphasis border border-info-subtle"
_WARNING = "bg-warning-subtle text-warning-emphasis border border-warning-subtle"
_PRIMARY = "bg-primary-subtle text-primary-emphasis border border-primary-subtle"
_SECONDARY = "bg-secondary-subtle text-secondary-emphasis border border-secondary-subtle"
_SUCCESS = "bg-success-subtle text-success-emphasis border border-success-subtle"
_MUTED = "text-bg-light border"

_STATUS_BADGES = {
    NeedStatus.DRAFT: _MUTED,
    NeedStatus.SUBMITTED: _INFO,
    NeedStatus.ACCEPTED: _INFO,
    NeedStatus.DISPATCHED: _WARNING,
    NeedStatus.RETURN_PENDING: _WARNING,
    NeedStatus.REOPENED: _WARNING,
    NeedStatus.IN_PROGRESS: _PRIMARY,
    NeedStatus.LONG_TERM: _PRIMARY,
    NeedStatus.WAITING_ENTERPRISE: _SECONDARY,
    NeedStatus.REPLIED: _SECONDARY,
    NeedStatus.CLOSED: _SUCCESS,
    NeedStatus.REJECTED: _MUTED,
    NeedStatus.MERGED: _MUTED,
}

_URGENCY_BADGES = {"red": "text-bg-danger", "yellow": "text-bg-warning", "green": "text-bg-success"}


@register.filter
def status_badge(status: str) -> str:
    return _STATUS_BADGES.get(status, _MUTED)


@register.filter
def urgency_badge(urgency: str) -> str:
    return _URGENCY_BADGES.get(urgency, _MUTED)


@register.simple_tag(takes_context=True)
def needs_home_summary(context) -> dict:
    """The counts on the home page's work panels, by role, in a fixed number of queries:
    one aggregate per role held (plus one calendar query for a liaison's "due soon")."""
    profile = context.get("profile")
    request = context.get("request")
    if not isinstance(profile, AllianceProfile) or request is None:
        return {}
    user = request.user
    now = timezone.now()
    summary: dict[str, dict] = {}
    visible = needs_visible_to(user) if profile.has_role else None
    if profile.contacts:
        enterprise_ids = [contact.enterprise_id for contact in profile.contacts]
        summary["secretary"] = visible.filter(enterprise__in=enterprise_ids).aggregate(
            open=Count("pk", filter=Q(status__in=NEED_OPEN_STATUSES)),
            drafts=Count("pk", filter=Q(status=NeedStatus.DRAFT)),
            to_supply=Count("pk", filter=Q(status=NeedStatus.WAITING_ENTERPRISE)),
            to_rate=Count("pk", filter=Q(status=NeedStatus.REPLIED)),
            closed=Count("pk", filter=Q(status=NeedStatus.CLOSED)),
        )
    if profile.liaison is not None:
        horizon = amber_horizon(now)
        mine = visible.filter(liaison=profile.liaison, status__in=NEED_OPEN_STATUSES)
        summary["liaison"] = mine.aggregate(
            open=Count("pk"),
            to_sign=Count(
                "pk",
                filter=Q(
                    status__in=[NeedStatus.DISPATCHED, NeedStatus.REOPENED], signed_at__isnull=True
                ),
            ),
            overdue=Count("pk", filter=overdue_q(now)),
            soon=Count(
                "pk",
                filter=~overdue_q(now)
                & ~Q(status=NeedStatus.WAITING_ENTERPRISE)
                & (
                    Q(
                        status__in=[NeedStatus.DISPATCHED, NeedStatus.REOPENED],
                        signed_at__isnull=True,
                        sign_due__lte=horizon,
                    )
                    | Q(resolve_due__lte=horizon)
                    | Q(status=NeedStatus.LONG_TERM, milestone_due__lte=horizon)
                ),
            ),
        )
    if profile.is_park_staff:
        summary["staff"] = visible.aggregate(
            submitted=Count("pk", filter=Q(status=NeedStatus.SUBMITTED)),
            accepted=Count("pk", filter=Q(status=NeedStatus.ACCEPTED)),
            returns=Count("pk", filter=Q(status=NeedStatus.RETURN_PENDING)),
            extensions=Count(
                "pk", filter=Q(extension_requested__gt=0, status__in=NEED_OPEN_STATUSES)
            ),
            return_visits=Count("pk", filter=Q(status=NeedStatus.REPLIED, rating_due__lt=now)),
            overdue=Count("pk", filter=overdue_q(now)),
        )
    if profile.chaired_chains or profile.headed_departments:
        chain_ids = [chain.pk for chain in profile.chaired_chains]
        department_ids = [department.pk for department in profile.headed_departments]
        scope = Q(chain__in=chain_ids) | Q(department__in=department_ids)
        counts = visible.filter(scope).aggregate(
            open=Count("pk", filter=Q(status__in=NEED_OPEN_STATUSES)),
            overdue=Count("pk", filter=overdue_q(now)),
        )
        addressed = Q(level=EscalationLevel.URGE, need__department__in=department_ids) | Q(
            level=EscalationLevel.SUPERVISE, need__chain__in=chain_ids
        )
        counts["escalations"] = NeedEscalation.objects.filter(addressed, need__in=visible).count()
        summary["supervision"] = counts
    return summary
