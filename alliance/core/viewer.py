"""What every page knows of the person viewing it: the bell's count and the roles they hold.

The facts are read by the shell (`alliance.roles.navbar_facts`, one query over the tables of
every app), named by the `PORTAL_VIEWER_FACTS` setting: the apps' views ask here and import
neither the shell nor each other for it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavbarFacts:
    """What the portal knows about the signed-in person on every page, from one query.

    The navbar offers only links its reader can open: the dashboards to park staff and chain
    chiefs, the weekly reports to those and to department heads, the admin to park staff. The
    same facts tell `needs_visible_to` which of its role branches this person holds, so a page
    asks its roles once (every query a list page saves counts).
    """

    unread: int = 0
    is_park_staff: bool = False
    chairs_chain: bool = False
    heads_department: bool = False
    is_secretary: bool = False  # an EnterpriseContact of some firm
    is_liaison: bool = False  # has a Liaison record (active or not)
    liaison_id: int | None = None  # that record (the liaison's queue reads it)

    @property
    def sees_dashboards(self) -> bool:
        # alliance.dashboards.figures.chains_visible_to: all chains for staff, a chief's own chains.
        return self.is_park_staff or self.chairs_chain

    @property
    def sees_weekly_reports(self) -> bool:
        # alliance.reports.figures.report_scope_for: staff, department heads and chain chiefs.
        return self.is_park_staff or self.chairs_chain or self.heads_department


@cache
def _facts_reader():
    return import_string(settings.PORTAL_VIEWER_FACTS)


def request_navbar_facts(request: HttpRequest) -> NavbarFacts:
    """`navbar_facts` for this request's user, asked at most once per request."""
    facts = getattr(request, "_portal_navbar_facts", None)
    if facts is None:
        facts = request._portal_navbar_facts = _facts_reader()(request.user)
    return facts


def request_is_park_staff(request: HttpRequest) -> bool:
    """`is_park_staff(request.user)` from the request's one facts query (the navbar needs it
    anyway), so the view, the navbar and the scoping ask once between them."""
    return request_navbar_facts(request).is_park_staff
