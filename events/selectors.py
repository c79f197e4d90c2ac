"""Reads shared by the event pages, the home panel, the calendar feed and the exports.

Every page about a meeting starts from `events_visible_to(user)`; a meeting outside it is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from alliance.core.models import User
from alliance.core.staff import is_park_staff
from chains.models import IndustryChain
from enterprises.models import ChainMembership, Enterprise, EnterpriseContact
from events.models import CalendarFeed, Event, EventKind, EventStatus, Invitation, Rsvp
from liaisons.models import (
    NEED_OPEN_STATUSES,
    Department,
    Liaison,
    Need,
    NeedStatus,
    TaskForceMembership,
)

# The feed carries recent history too, so a meeting does not vanish from a calendar the moment
# it ends; older meetings drop out and keep the feed small.
FEED_PAST_DAYS = 90
HOME_PANEL_SIZE = 5


def events_visible_to(user, *, staff: bool | None = None) -> QuerySet[Event]:
    """Staff see every meeting; others the meetings they are invited to, and a chain chief the
    meetings of the chains they chair."""
    if not user.is_authenticated:
        return Event.objects.none()
    if staff is None:
        staff = is_park_staff(user)
    if staff:
        return Event.objects.all()
    # Subqueries, not joins: a join over invitations and chains would repeat each meeting.
    invited = Invitation.objects.filter(user=user).values("event")
    chaired = Event.chains.through.objects.filter(industrychain__chief=user).values("event")
    return Event.objects.filter(Q(pk__in=invited) | Q(pk__in=chaired))


def _count_of(invitations: QuerySet[Invitation]) -> Subquery:
    # Correlated subqueries rather than joined COUNTs: the pager's COUNT(*) can then drop them.
    counted = (
        invitations.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _invitation_counts() -> dict:
    return {
        "invited_count": _count_of(Invitation.objects.all()),
        "accepted_count": _count_of(Invitation.objects.filter(rsvp=Rsvp.ACCEPTED)),
    }


def event_list(user, *, staff: bool, when: str, now: datetime | None = None) -> QuerySet[Event]:
    """The meetings list: upcoming (soonest first), past (latest first) or all."""
    now = now or timezone.now()
    events = events_visible_to(user, staff=staff).select_related("series")
    if when == "upcoming":
        events = events.filter(ends_at__gte=now).order_by("starts_at", "pk")
    elif when == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        events = events.order_by("-starts_at", "-pk")
    events = events.prefetch_related(
        Prefetch("chains", queryset=IndustryChain.objects.order_by("order", "code"))
    )
    if staff:
        return events.annotate(**_invitation_counts())
    own = Invitation.objects.filter(event=OuterRef("pk"), user=user)
    return events.annotate(
        my_rsvp=Subquery(own.values("rsvp")[:1]),
        my_invitation_id=Subquery(own.values("pk")[:1]),
    )


def invitations_with_people(event: Event) -> QuerySet[Invitation]:
    """An event's invitations with what the lists show about each person (affiliations)."""
    return (
        Invitation.objects.filter(event=event)
        .select_related("user", "user__liaison__department", "checked_in_by")
        .prefetch_related(
            Prefetch(
                "user__enterprise_contacts",
                queryset=EnterpriseContact.objects.select_related("enterprise").order_by(
                    "enterprise__name"
                ),
            ),
            Prefetch("user__headed_departments", queryset=Department.objects.order_by("name")),
            Prefetch(
                "user__chaired_chains", queryset=IndustryChain.objects.order_by("order", "code")
            ),
        )
        .order_by("user__full_name", "user__username")
    )


def affiliation_of(user: User) -> str:
    """Where a person comes from, for lists and exports (needs `invitations_with_people`)."""
    parts = [contact.enterprise.name for contact in user.enterprise_contacts.all()]
    liaison = getattr(user, "liaison", None)
    if liaison is not None:
        parts.append(liaison.department.name)
    parts.extend(department.name for department in user.headed_departments.all() if department.name)
    parts.extend(
        gettext("Chain chief, %(chain)s") % {"chain": chain.name}
        for chain in user.chaired_chains.all()
    )
    seen: dict[str, None] = dict.fromkeys(parts)
    return "、".join(seen)


def invitees_for(
    *,
    chains: Iterable[IndustryChain] = (),
    enterprises: Iterable[Enterprise] = (),
    departments: Iterable[Department] = (),
    users: Iterable[User] = (),
) -> QuerySet[User]:
    """The people an invitation by chain, firm, department or name reaches (active users only).

    A chain: the contacts of its member firms, its task force liaisons and its chief.
    A firm: its contacts. A department: its active liaisons and its head.
    """
    chain_ids = [chain.pk for chain in chains]
    enterprise_ids = [enterprise.pk for enterprise in enterprises]
    department_ids = [department.pk for department in departments]
    user_ids = [user.pk for user in users]
    reach = Q(pk__in=user_ids)
    if chain_ids:
        members = ChainMembership.objects.filter(chain__in=chain_ids).values("enterprise")
        reach |= Q(pk__in=EnterpriseContact.objects.filter(enterprise__in=members).values("user"))
        reach |= Q(
            pk__in=TaskForceMembership.objects.filter(
                chain__in=chain_ids, liaison__is_active=True
            ).values("liaison__user")
        )
        reach |= Q(pk__in=IndustryChain.objects.filter(pk__in=chain_ids).values("chief"))
    if enterprise_ids:
        reach |= Q(
            pk__in=EnterpriseContact.objects.filter(enterprise__in=enterprise_ids).values("user")
        )
    if department_ids:
        reach |= Q(
            pk__in=Liaison.objects.filter(department__in=department_ids, is_active=True).values(
                "user"
            )
        )
        reach |= Q(pk__in=Department.objects.filter(pk__in=department_ids).values("head"))
    return User.objects.filter(reach, is_active=True).order_by("pk")


def upcoming_invitations_for(
    user, *, now: datetime | None = None, limit: int = HOME_PANEL_SIZE
) -> list[Invitation]:
    """The home panel: the next meetings a person is invited to (cancelled ones stay listed
    until their time has passed, so nobody travels to a meeting that is off)."""
    now = now or timezone.now()
    return list(
        Invitation.objects.filter(
            user=user,
            event__ends_at__gte=now,
            event__status__in=[EventStatus.PLANNED, EventStatus.CANCELLED],
        )
        .select_related("event")
        .order_by("event__starts_at", "event__pk")[:limit]
    )


def upcoming_events_for_staff(*, now: datetime | None = None, limit: int = HOME_PANEL_SIZE):
    now = now or timezone.now()
    return list(
        Event.objects.filter(ends_at__gte=now, status=EventStatus.PLANNED)
        .annotate(**_invitation_counts())
        .order_by("starts_at", "pk")[:limit]
    )


def feed_events(feed: CalendarFeed, *, now: datetime | None = None) -> QuerySet[Event]:
    """What a person's calendar subscription carries: the meetings they are invited to and did
    not decline, from FEED_PAST_DAYS ago on. Cancelled meetings stay in, marked cancelled, so
    calendar apps remove them."""
    now = now or timezone.now()
    invited = Invitation.objects.filter(user_id=feed.user_id).exclude(rsvp=Rsvp.DECLINED)
    return Event.objects.filter(
        pk__in=invited.values("event"), ends_at__gte=now - timedelta(days=FEED_PAST_DAYS)
    ).order_by("starts_at", "pk")


def active_feed_for(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def agenda_needs_for(event: Event, *, now: datetime | None = None) -> QuerySet[Need]:
    """A joint meeting's draft agenda: its chains' overdue, reopened and long-term needs."""
    if event.kind != EventKind.JOINT_MEETING:
        return Need.objects.none()
    now = now or timezone.now()
    chains = Event.chains.through.objects.filter(event=event).values("industrychain")
    overdue = Q(resolve_due__lt=now, status__in=NEED_OPEN_STATUSES)
    flagged = Q(status__in=[NeedStatus.REOPENED, NeedStatus.LONG_TERM])
    return (
        Need.objects.filter(overdue | flagged, chain__in=chains)
        .select_related("enterprise", "chain", "liaison__user")
        .order_by("chain__order", "resolve_due", "number")
    )
