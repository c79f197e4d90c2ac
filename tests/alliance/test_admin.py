"""The admin site as a whole (every registered model walked) and the account admin."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from alliance.core.admin_site import PortalAdminSite
from alliance.core.models import (
    CalendarDay,
    CalendarYear,
    Notification,
    User,
    WorkerHeartbeat,
)
from alliance.core.permissions import PORTAL_APPS
from alliance.reports.models import WeeklyReport
from chains.models import ChainIndicator, IndustryChain
from enterprises.models import (
    ChainMembership,
    Enterprise,
    EnterpriseContact,
    PartyOrganization,
    SignedProject,
    SupplyLink,
)
from events.models import Decision, Event, EventSeries, Invitation, ReminderDispatch
from liaisons.models import (
    ActionItem,
    Department,
    DepartmentResource,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedEscalation,
    NeedTimeLimit,
    TaskForceMembership,
)
from tests import factories
from tests.admin_helpers import (
    BASE_QUERIES,
    ESTIMATED_COUNT,
    AdminCase,
    admin_matrix,
    admin_url,
)

# The models park staff maintain in the admin.
EXPECTED_ADMIN_MODELS = {
    User,
    WorkerHeartbeat,
    CalendarDay,
    CalendarYear,
    Notification,
    WeeklyReport,
    IndustryChain,
    ChainIndicator,
    Enterprise,
    PartyOrganization,
    EnterpriseContact,
    SupplyLink,
    ChainMembership,
    SignedProject,
    Department,
    Liaison,
    LiaisonAssignment,
    TaskForceMembership,
    DepartmentResource,
    Need,
    ActionItem,
    EventSeries,
    Event,
    Invitation,
    ReminderDispatch,
    Decision,
    NeedTimeLimit,
    NeedEscalation,
}


def all_cases() -> dict[type[Model], AdminCase]:
    from tests.chains.test_admin import ADMIN_CASES as chains
    from tests.enterprises.test_admin import ADMIN_CASES as enterprises
    from tests.events.test_admin import ADMIN_CASES as events
    from tests.liaisons.test_admin import ADMIN_CASES as liaisons

    return {**ADMIN_CASES, **chains, **enterprises, **liaisons, **events}


def _heartbeats(n: int) -> list[WorkerHeartbeat]:
    start = WorkerHeartbeat.objects.count()
    return [
        WorkerHeartbeat.objects.create(name=f"worker-{start + i}", last_seen_at=timezone.now())
        for i in range(n)
    ]


def _calendar_days(n: int) -> list[CalendarDay]:
    start = date(2027, 1, 1) + timedelta(days=CalendarDay.objects.count())
    return [
        CalendarDay.objects.create(date=start + timedelta(days=i), is_workday=False, name="元旦")
        for i in range(n)
    ]


def _calendar_years(n: int) -> list[CalendarYear]:
    start = 2027 + CalendarYear.objects.count()
    return [
        CalendarYear.objects.create(
            year=start + i, completed_at=timezone.now(), completed_by=factories.StaffFactory()
        )
        for i in range(n)
    ]


def _notifications(n: int) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=factories.UserFactory(), kind="test", title="需求已派单", url="/"
        )
        for _ in range(n)
    ]


def _weekly_reports(n: int) -> list[WeeklyReport]:
    start = date(2026, 1, 5) - timedelta(weeks=WeeklyReport.objects.count())
    return [
        WeeklyReport.objects.create(
            week_start=start - timedelta(weeks=i),
            generated_at=timezone.now(),
            generated_by=factories.StaffFactory(),
            data={"totals": {}},
        )
        for i in range(n)
    ]


ADMIN_CASES = {
    # + the group filter's choices
    User: AdminCase(
        build=lambda n: factories.UserFactory.create_batch(n), changelist_queries=BASE_QUERIES + 1
    ),
    WorkerHeartbeat: AdminCase(build=_heartbeats, changelist_queries=BASE_QUERIES, add=False),
    # + the date hierarchy's years
    CalendarDay: AdminCase(build=_calendar_days, changelist_queries=BASE_QUERIES + 2),
    # marked from the schedule form, never added here; the rows joined with who marked them
    CalendarYear: AdminCase(build=_calendar_years, changelist_queries=BASE_QUERIES, add=False),
    # + the rows with recipient (no full count); the kind filter's values (no date hierarchy)
    Notification: AdminCase(
        build=_notifications, changelist_queries=ESTIMATED_COUNT + 2, add=False
    ),
    # + the date hierarchy's years
    WeeklyReport: AdminCase(build=_weekly_reports, changelist_queries=BASE_QUERIES + 2, add=False),
}


@pytest.mark.django_db
def test_every_model_staff_maintain_is_registered_and_walked():
    registered = {model for model in admin.site._registry if model._meta.app_label in PORTAL_APPS}
    assert registered == EXPECTED_ADMIN_MODELS
    assert set(all_cases()) == EXPECTED_ADMIN_MODELS


(
    test_staff_open_changelist_add_and_change,
    test_plain_user_and_anonymous_are_sent_to_admin_login,
    test_changelist_queries_do_not_grow_with_rows,
) = admin_matrix(ADMIN_CASES)


def test_admin_speaks_chinese_by_default(staff_client):
    response = staff_client.get(reverse("admin:index"))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in content
    # Django's own catalog: "Recent actions" and "My actions".
    assert "最近动作" in content
    assert "我的动作" in content
    changelist = staff_client.get(admin_url(Enterprise, "changelist")).content.decode()
    assert "增加" in changelist  # "Add"
    assert "搜索" in changelist  # "Search"


def test_staff_without_the_park_staff_group_cannot_open_records(client, db):
    outsider = factories.UserFactory(is_staff=True)
    client.force_login(outsider)
    assert client.get(admin_url(Enterprise, "changelist")).status_code == 403


def test_user_search_finds_phone_and_full_name(staff_client):
    factories.UserFactory(username="songfy", full_name="宋飞洋", phone="13912345678")
    factories.UserFactory(username="other", full_name="王五")
    url = admin_url(User, "changelist")
    for term in ("宋飞洋", "13912345678", "songfy"):
        content = staff_client.get(url, {"q": term}).content.decode()
        assert "songfy" in content, term
        assert "王五" not in content, term


def test_staff_add_a_user_with_name_and_phone(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "username": "liaison-new",
            "full_name": "赵敏",
            "phone": "13800001111",
            "email": "zm@example.com",
            "usable_password": "true",
            "password1": "a-long-password-1234",
            "password2": "a-long-password-1234",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="liaison-new")
    assert (user.full_name, user.phone) == ("赵敏", "13800001111")
    assert user.check_password("a-long-password-1234")


def _change_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_staff_cannot_grant_superuser_or_single_permissions(staff_client):
    target = factories.UserFactory(username="target")
    response = staff_client.post(
        admin_url(User, "change", target.pk),
        _change_data(target, full_name="改名", is_superuser="on", user_permissions=["1"]),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.full_name == "改名"
    assert not target.is_superuser
    assert not target.user_permissions.exists()


def test_staff_may_put_a_colleague_into_the_park_staff_group(staff_client):
    target = factories.UserFactory(username="colleague")
    group = Group.objects.get(name="park_staff")
    response = staff_client.post(
        admin_url(User, "change", target.pk),
        _change_data(target, is_staff="on", groups=[str(group.pk)]),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_staff
    assert list(target.groups.all()) == [group]


def test_staff_can_view_but_not_change_a_superuser(staff_client):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    change_url = admin_url(User, "change", root.pk)
    page = staff_client.get(change_url)
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()  # read-only view
    assert staff_client.post(change_url, _change_data(root, full_name="x")).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert staff_client.get(password_url).status_code == 403
    assert (
        staff_client.post(
            password_url, {"password1": "taken-over-123456", "password2": "taken-over-123456"}
        ).status_code
        == 403
    )
    root.refresh_from_db()
    assert root.check_password("root-password-123")


def test_staff_cannot_delete_a_superuser_with_the_bulk_action(staff_client):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    response = staff_client.post(
        admin_url(User, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(root.pk)], "post": "yes"},
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=root.pk).exists()


def test_heartbeats_are_read_only(staff_client):
    beat = _heartbeats(1)[0]
    page = staff_client.get(admin_url(WorkerHeartbeat, "change", beat.pk)).content.decode()
    assert 'name="name"' not in page
    assert (
        staff_client.post(
            admin_url(WorkerHeartbeat, "delete", beat.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    assert WorkerHeartbeat.objects.filter(pk=beat.pk).exists()


def test_weekly_reports_are_read_only(staff_client):
    report = _weekly_reports(1)[0]
    page = staff_client.get(admin_url(WeeklyReport, "change", report.pk)).content.decode()
    assert 'name="data"' not in page
    assert staff_client.post(admin_url(WeeklyReport, "change", report.pk), {}).status_code == 403
    assert (
        staff_client.post(admin_url(WeeklyReport, "delete", report.pk), {"post": "yes"}).status_code
        == 403
    )
    assert WeeklyReport.objects.filter(pk=report.pk).exists()


def test_the_portal_site_lists_models_on_the_index_and_app_pages_only(staff_client):
    """`PortalAdminSite`: the titles, the model lists where they are read, no sidebar."""
    assert isinstance(admin.site, PortalAdminSite)
    index = staff_client.get(reverse("admin:index")).content.decode()
    assert "红链" in index  # the site header, in Chinese
    assert reverse("admin:liaisons_need_changelist") in index
    assert reverse("admin:enterprises_enterprise_changelist") in index
    app = staff_client.get(reverse("admin:app_list", args=["liaisons"])).content.decode()
    assert reverse("admin:liaisons_need_changelist") in app
    assert reverse("admin:enterprises_enterprise_changelist") not in app
    changelist = staff_client.get(admin_url(Enterprise, "changelist")).content.decode()
    assert 'id="nav-sidebar"' not in changelist
    assert staff_client.get("/admin/nothing/").status_code == 404
    # An app none of whose models staff may see: no page (the lazy list is empty).
    assert staff_client.get(reverse("admin:app_list", args=["axes"])).status_code == 404


def test_the_app_list_is_built_only_when_read(rf, staff_user):
    calls = []
    original = admin.AdminSite.get_app_list

    def counting(self, request, app_label=None):
        calls.append(app_label)
        return original(self, request, app_label)

    request = rf.get("/admin/")
    request.user = staff_user
    with mock.patch.object(admin.AdminSite, "get_app_list", counting):
        context = admin.site.each_context(request)
        assert calls == []
        assert any(app["app_label"] == "liaisons" for app in context["available_apps"])
        assert calls == [None]


HISTORY_ADMINS = [
    "enterprises_enterprise",
    "enterprises_partyorganization",
    "liaisons_departmentresource",
    "liaisons_need",
    "liaisons_actionitem",
    "events_event",
]


@pytest.mark.parametrize("admin_name", HISTORY_ADMINS)
@pytest.mark.parametrize("bad", ["abc", "%00", "x%00y", "%E2%80%AE1", "1e9", "..", "a" * 500])
def test_a_history_page_answers_404_to_an_id_that_cannot_be_one(staff_client, admin_name, bad):
    # simple_history hands the URL's text to the database; Django's own admin pages check it.
    history = reverse(f"admin:{admin_name}_history", args=["1"]).replace("/1/", f"/{bad}/")
    assert staff_client.get(history).status_code == 404
    version = reverse(f"admin:{admin_name}_simple_history", args=["1", "1"])
    assert staff_client.get(version.replace("/1/history/", f"/{bad}/history/")).status_code == 404
    assert staff_client.get(version.replace("/history/1/", f"/history/{bad}/")).status_code == 404
    # Posting a version of a need is refused before its ids are read (it would revert one).
    posted = staff_client.post(version.replace("/history/1/", f"/history/{bad}/"))
    assert posted.status_code == (403 if admin_name == "liaisons_need" else 404)


def test_a_history_page_still_opens_for_a_real_object(staff_client):
    enterprise = factories.EnterpriseFactory()
    version = enterprise.history.order_by("history_id").first()
    assert (
        staff_client.get(
            reverse("admin:enterprises_enterprise_history", args=[enterprise.pk])
        ).status_code
        == 200
    )
    assert (
        staff_client.get(
            reverse("admin:enterprises_enterprise_simple_history", args=[enterprise.pk, version.pk])
        ).status_code
        == 200
    )


@pytest.mark.parametrize("bad", ["\x00", "abc", "99999999999999999999999", "1e3"])
def test_a_change_form_with_an_impossible_autocomplete_value_shows_the_error(staff_client, bad):
    # Django's autocomplete widget looks the posted value up to label it when the form is
    # shown again, and a value that cannot be a key made that a server error.
    event = factories.EventFactory(title="联席会议")
    url = reverse("admin:events_event_change", args=[event.pk])
    response = staff_client.post(url, {"title": "联席会议", "organizer": bad, "chains": [bad]})
    if connection.vendor == "sqlite" and bad.isdigit():
        # SQLite cannot bind a number past 2**63 at all, wherever the form looks it up: the
        # request is refused as a whole (alliance.core.middleware.UnusableValueMiddleware).
        assert response.status_code == 400
        event.refresh_from_db()
        assert event.organizer is None
        return
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"organizer", "chains"} <= set(errors)
    event.refresh_from_db()
    assert event.organizer is None


def test_every_admin_checks_its_autocomplete_values():
    from alliance.core.admin_input import CheckedInputAdminMixin

    unchecked = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, CheckedInputAdminMixin)
    ]
    assert unchecked == []


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        ("liaisons_need", "status__exact=%00"),
        ("events_invitation", "rsvp__exact=abc%00def"),
        ("enterprises_enterprise", "srdi_level__exact=%00"),
    ],
)
def test_a_nul_in_a_list_filter_gets_the_lists_error_page(staff_client, changelist, query):
    # PostgreSQL refuses a NUL in a text parameter: the list answers as to any filter it
    # cannot apply, by sending the browser to its error page.
    url = reverse(f"admin:{changelist}_changelist")
    response = staff_client.get(f"{url}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"
    assert staff_client.get(f"{url}?{query}&e=1").status_code == 200
