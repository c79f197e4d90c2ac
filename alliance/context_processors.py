"""Template context shared by every portal page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from alliance.models import Notification, User
from alliance.roles import PARK_STAFF_GROUP
from chains.models import IndustryChain
from liaisons.models import Department


@dataclass(frozen=True)
class NavbarFacts:
    """What the portal shell needs to know about the signed-in person on every page.

    The navbar offers only links its reader can open: the dashboards to park staff and chain
    chiefs, the weekly reports to those and to department heads, the admin to park staff.
    """

    unread: int = 0
    is_park_staff: bool = False
    chairs_chain: bool = False
    heads_department: bool = False

    @property
    def sees_dashboards(self) -> bool:
        # alliance.dashboards.chains_visible_to: all chains for staff, a chief's own chains.
        return self.is_park_staff or self.chairs_chain

    @property
    def sees_weekly_reports(self) -> bool:
        # alliance.reports.report_scope_for: staff, department heads and chain chiefs.
        return self.is_park_staff or self.chairs_chain or self.heads_department


def navbar_facts(user) -> NavbarFacts:
    """The bell's unread count and the person's navbar roles in ONE query.

    The roles mirror `alliance.roles.is_park_staff`, chain chiefs (`IndustryChain.chief`) and
    department heads (`Department.head`), each as an EXISTS subquery next to the COUNT.
    """
    if not (user.is_authenticated and user.is_active):
        return NavbarFacts()
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=Coalesce(Subquery(unread), Value(0)),
            in_staff_group=Exists(
                User.groups.through.objects.filter(
                    user_id=OuterRef("pk"), group__name=PARK_STAFF_GROUP
                )
            ),
            chairs_chain=Exists(IndustryChain.objects.filter(chief_id=OuterRef("pk"))),
            heads_department=Exists(Department.objects.filter(head_id=OuterRef("pk"))),
        )
        .values("unread", "in_staff_group", "chairs_chain", "heads_department")
        .first()
    )
    if row is None:  # the account was deleted while the request ran
        return NavbarFacts()
    return NavbarFacts(
        unread=row["unread"],
        is_park_staff=user.is_superuser or (user.is_staff and row["in_staff_group"]),
        chairs_chain=row["chairs_chain"],
        heads_department=row["heads_department"],
    )


def request_navbar_facts(request: HttpRequest) -> NavbarFacts:
    """`navbar_facts` for this request's user, asked at most once per request."""
    facts = getattr(request, "_portal_navbar_facts", None)
    if facts is None:
        facts = request._portal_navbar_facts = navbar_facts(request.user)
        # The staff answer is now known: later staff checks of this request need no query.
        if getattr(request, "_portal_is_park_staff", None) is None:
            request._portal_is_park_staff = facts.is_park_staff
    return facts


def notifications(request: HttpRequest) -> dict:
    """The bell's unread count and the navbar's roles: one query, made only if a template shows
    them (every page with the navbar does, once)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    facts = SimpleLazyObject(lambda: request_navbar_facts(request))
    return {
        "unread_notification_count": SimpleLazyObject(lambda: facts.unread),
        "portal_nav": facts,
    }
