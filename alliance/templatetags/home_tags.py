"""The home page's work panels: the counts of each role's needs (the shell reads every app)."""

from __future__ import annotations

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from alliance.roles import AllianceProfile
from liaisons.models import NEED_OPEN_STATUSES, NeedStatus
from liaisons.needs.clock import amber_horizon, overdue_q, queue_summary
from liaisons.needs.selectors import (
    escalations_addressed,
    liaison_queue,
    needs_visible_to,
)

register = template.Library()


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
        # The counts of the liaison's queue page, by the same query (`queue_summary`): the
        # home page and 我的待办 never disagree on what is overdue or due soon.
        counts = queue_summary(liaison_queue(profile.liaison), now=now, horizon=amber_horizon(now))
        summary["liaison"] = {
            "open": counts["total"],
            "to_sign": counts["to_sign"],
            "overdue": counts["overdue"],
            "soon": counts["soon"],
        }
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
        counts["escalations"] = escalations_addressed(
            departments=department_ids, chains=chain_ids
        ).count()
        summary["supervision"] = counts
    return summary
