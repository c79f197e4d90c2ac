"""The meeting pages: who may open what, bad input, escaping, exports and query budgets."""

import io
from datetime import timedelta
from unittest import mock

import icalendar
import pytest
import segno
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from alliance.core.models import Notification
from events.models import CalendarFeed, Event, EventKind, EventSeries, EventStatus, Invitation, Rsvp
from liaisons.models import ActionItem, ActionItemKind, NeedStatus
from tests import factories
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def count_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def url(name, *args) -> str:
    return reverse(f"events:{name}", args=args)


@pytest.fixture
def salon(world):
    """A robotics salon next week: the secretary invited, the outsider not."""
    return make_event(
        title="红链有约 服务赋能专场沙龙",
        chains=[world.robotics],
        invitees=[world.secretary, world.liaison],
    )


# --- Who may open what ------------------------------------------------------------------------

STAFF_PAGES = [
    "event-edit",
    "event-invite",
    "event-reschedule",
    "event-cancel",
    "event-minutes",
    "decision-create",
    "event-attendance-export",
]


def test_anonymous_visitors_are_sent_to_sign_in(client, salon):
    for target in [
        url("event-list"),
        url("event-detail", salon.pk),
        url("event-ics", salon.pk),
        url("event-check-in", salon.pk),
        url("event-create"),
        url("calendar-feed"),
        url("series-list"),
    ]:
        response = client.get(target)
        assert response.status_code == 302, target
        assert response["Location"].startswith("/accounts/login/?next="), target


def test_invitee_sees_the_meeting_but_not_the_staff_pages(world, salon):
    client = signed_in(world.secretary)
    detail = client.get(url("event-detail", salon.pk))
    assert detail.status_code == 200
    content = detail.content.decode()
    assert "红链有约 服务赋能专场沙龙" in content
    # Invitees do not see the others on the list, nor the door's QR code.
    assert "宋飞洋" not in content
    assert url("event-qr", salon.pk) not in content
    assert client.get(url("event-ics", salon.pk)).status_code == 200
    for name in STAFF_PAGES:
        assert client.get(url(name, salon.pk)).status_code == 404, name
    assert client.get(url("event-create")).status_code == 404
    assert client.get(url("series-list")).status_code == 404
    assert client.get(url("event-qr", salon.pk)).status_code == 200


def test_chain_chief_sees_the_meetings_of_their_chain(world, salon):
    machinery = make_event(chains=[world.machinery])
    client = signed_in(world.chief)
    assert client.get(url("event-detail", salon.pk)).status_code == 200
    assert client.get(url("event-detail", machinery.pk)).status_code == 404
    listed = client.get(url("event-list")).content.decode()
    assert salon.title in listed
    assert machinery.title not in listed


def test_out_of_scope_answers_404(world, salon):
    client = signed_in(world.outsider)
    for target in [
        url("event-detail", salon.pk),
        url("event-ics", salon.pk),
        url("event-qr", salon.pk),
        url("event-detail", 999999),
        *[url(name, salon.pk) for name in STAFF_PAGES],
    ]:
        assert client.get(target).status_code == 404, target
    assert salon.title not in client.get(url("event-list")).content.decode()


def test_staff_open_every_page(world, salon):
    client = signed_in(world.staff)
    for name in ["event-detail", "event-ics", "event-qr", *STAFF_PAGES]:
        assert client.get(url(name, salon.pk)).status_code == 200, name
    for name in ["event-list", "event-create", "series-list", "series-create"]:
        assert client.get(url(name)).status_code == 200, name


@pytest.mark.parametrize(
    "name",
    [
        "invitation-rsvp",
        "invitation-check-in",
        "invitation-remove",
    ],
)
def test_post_only_invitation_actions_refuse_get(world, salon, name):
    invitation = salon.invitations.get(user=world.secretary)
    client = signed_in(world.staff if name != "invitation-rsvp" else world.secretary)
    assert client.get(url(name, invitation.pk)).status_code == 405


def test_other_post_only_views_refuse_get(world):
    series = EventSeries.objects.create(
        title="联席会议", rrule="FREQ=MONTHLY;BYDAY=1TU", first_starts_at=timezone.now()
    )
    staff = signed_in(world.staff)
    assert staff.get(url("series-generate", series.pk)).status_code == 405
    assert staff.get(url("calendar-feed-create")).status_code == 405
    assert staff.get(url("calendar-feed-revoke")).status_code == 405


def test_posts_need_the_csrf_token(world, salon):
    invitation = salon.invitations.get(user=world.secretary)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.secretary)
    response = client.post(url("invitation-rsvp", invitation.pk), {"rsvp": "accepted"})
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.PENDING
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(world.staff)
    response = staff.post(url("event-cancel", salon.pk), {"reason": "改期"})
    assert response.status_code == 403
    salon.refresh_from_db()
    assert salon.status == EventStatus.PLANNED


# --- RSVP -------------------------------------------------------------------------------------


def test_invitee_accepts_and_declines(world, salon):
    invitation = salon.invitations.get(user=world.secretary)
    client = signed_in(world.secretary)
    response = client.post(url("invitation-rsvp", invitation.pk), {"rsvp": "accepted"})
    assert response.status_code == 302
    assert response["Location"] == url("event-detail", salon.pk)
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.ACCEPTED
    response = client.post(
        url("invitation-rsvp", invitation.pk), {"rsvp": "declined", "next": "/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.DECLINED


def test_rsvp_refuses_foreign_invitations_and_open_redirects(world, salon):
    theirs = salon.invitations.get(user=world.liaison)
    client = signed_in(world.secretary)
    assert client.post(url("invitation-rsvp", theirs.pk), {"rsvp": "declined"}).status_code == 404
    assert client.post(url("invitation-rsvp", 999999), {"rsvp": "declined"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.rsvp == Rsvp.PENDING
    mine = salon.invitations.get(user=world.secretary)
    response = client.post(
        url("invitation-rsvp", mine.pk), {"rsvp": "accepted", "next": "https://evil.example/"}
    )
    assert response["Location"] == url("event-detail", salon.pk)
    # A made-up reply is refused and changes nothing.
    client.post(url("invitation-rsvp", mine.pk), {"rsvp": "pending"})
    client.post(url("invitation-rsvp", mine.pk), {"rsvp": "maybe"})
    mine.refresh_from_db()
    assert mine.rsvp == Rsvp.ACCEPTED


@pytest.mark.parametrize(
    "target",
    ["abc", "home", "events:event-list", "//evil.example/", "/\\evil.example/", " /", "?x=1"],
)
def test_rsvp_sends_anything_but_a_path_of_the_portal_back_to_the_meeting(world, salon, target):
    # A `next` that is not a path of this site (a bare word that redirect() would take for a
    # URL name, a protocol-relative address) is ignored; the reply is saved all the same.
    mine = salon.invitations.get(user=world.secretary)
    response = signed_in(world.secretary).post(
        url("invitation-rsvp", mine.pk), {"rsvp": "accepted", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == url("event-detail", salon.pk)
    mine.refresh_from_db()
    assert mine.rsvp == Rsvp.ACCEPTED


def test_rsvp_follows_a_path_of_the_portal_with_its_query(world, salon):
    mine = salon.invitations.get(user=world.secretary)
    response = signed_in(world.secretary).post(
        url("invitation-rsvp", mine.pk), {"rsvp": "accepted", "next": "/events/?when=past"}
    )
    assert response["Location"] == "/events/?when=past"


# --- Staff: create, invite, move, cancel ------------------------------------------------------


def form_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def create_data(world, **overrides) -> dict:
    start = timezone.now() + timedelta(days=10)
    return {
        "kind": EventKind.SALON,
        "title": "机器人专场沙龙",
        "chains": [world.robotics.pk],
        "venue": "党群服务中心",
        "starts_at": form_time(start),
        "ends_at": form_time(start + timedelta(hours=2)),
        "agenda": "政策解读",
        **overrides,
    }


def test_staff_create_a_salon_and_invite_a_chain(world):
    client = signed_in(world.staff)
    response = client.post(
        url("event-create"),
        create_data(world, invite_chains=[world.robotics.pk], invite_users=[world.head.pk]),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert response["Location"] == url("event-detail", event.pk)
    assert event.organizer == world.staff
    assert set(event.invitations.values_list("user__username", flat=True)) == {
        "secretary",
        "reducer",
        "liaison",
        "chief",
        "depthead",
    }
    assert Notification.objects.filter(kind="event_invited").count() == 5


def test_broker_down_while_staff_save_an_event_loses_nothing(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """The meeting, its invitations and their notifications are committed although queueing
    the e-mails fails; the page answers, and the outbox sweep sends the e-mails later."""
    from kombu.exceptions import OperationalError

    from alliance.core import notifications
    from alliance.core.tasks import send_notification_email

    monkeypatch.setattr(notifications, "_broker_paused_until", 0.0)
    client = signed_in(world.staff)
    with (
        mock.patch.object(
            send_notification_email, "apply_async", side_effect=OperationalError("refused")
        ) as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            url("event-create"), create_data(world, invite_chains=[world.robotics.pk])
        )
    assert response.status_code == 302
    assert apply_async.called
    event = Event.objects.get()
    assert event.invitations.count() == 4
    pending = Notification.objects.filter(
        kind="event_invited", email_status=Notification.EmailStatus.PENDING
    )
    assert pending.count() == 4
    later = timezone.now() + timedelta(minutes=5)
    sent = notifications.notification_send_pending_emails(now=later)
    assert (
        sent
        == Notification.objects.filter(
            kind="event_invited", email_status=Notification.EmailStatus.SENT
        ).count()
    )
    assert not pending.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2020-01-01T09:00", "ends_at": "2020-01-01T11:00"}, "starts_at"),
        ({"ends_at": "2020-01-01T11:00"}, "ends_at"),
        ({"invite_users": ["999999"]}, "invite_users"),
        ({"invite_enterprises": ["abc"]}, "invite_enterprises"),
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
    ],
)
def test_create_refuses_bad_input(world, overrides, field):
    client = signed_in(world.staff)
    response = client.post(url("event-create"), create_data(world, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Event.objects.exists()


def test_inactive_people_cannot_be_invited_by_id(world, salon):
    world.outsider.is_active = False
    world.outsider.save()
    client = signed_in(world.staff)
    response = client.post(url("event-invite", salon.pk), {"invite_users": [world.outsider.pk]})
    assert response.status_code == 200
    assert "invite_users" in response.context["form"].errors
    assert not salon.invitations.filter(user=world.outsider).exists()


def test_invite_needs_a_choice_and_adds_people(world, salon):
    client = signed_in(world.staff)
    response = client.post(url("event-invite", salon.pk), {})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = client.post(
        url("event-invite", salon.pk), {"invite_departments": [world.science.pk]}
    )
    assert response.status_code == 302
    assert salon.invitations.filter(user=world.head).exists()


def test_staff_move_and_cancel_a_meeting(world, salon):
    client = signed_in(world.staff)
    past = timezone.now() - timedelta(days=1)
    response = client.post(
        url("event-reschedule", salon.pk),
        {
            "starts_at": form_time(past),
            "ends_at": form_time(past + timedelta(hours=1)),
            "venue": "x",
        },
    )
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    new_start = salon.starts_at + timedelta(days=1)
    response = client.post(
        url("event-reschedule", salon.pk),
        {
            "starts_at": form_time(new_start),
            "ends_at": form_time(new_start + timedelta(hours=2)),
            "venue": "节卡机器人会议室",
        },
    )
    assert response.status_code == 302
    salon.refresh_from_db()
    assert (salon.venue, salon.sequence) == ("节卡机器人会议室", 1)
    assert Notification.objects.filter(kind="event_rescheduled").count() == 2

    assert client.post(url("event-cancel", salon.pk), {"reason": ""}).status_code == 200
    response = client.post(url("event-cancel", salon.pk), {"reason": "台风橙色预警"})
    assert response.status_code == 302
    salon.refresh_from_db()
    assert salon.status == EventStatus.CANCELLED
    detail = client.get(url("event-detail", salon.pk)).content.decode()
    assert "台风橙色预警" in detail
    # A second cancel is refused with a message, not a 500.
    response = client.post(url("event-cancel", salon.pk), {"reason": "again"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_staff_remove_an_invitee(world, salon):
    invitation = salon.invitations.get(user=world.liaison)
    response = signed_in(world.staff).post(url("invitation-remove", invitation.pk))
    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert Notification.objects.filter(kind="event_uninvited", recipient=world.liaison).exists()


# --- Minutes, decisions, action items ---------------------------------------------------------


def test_minutes_and_a_decision_that_becomes_an_action_item(world):
    event = make_event(
        kind=EventKind.JOINT_MEETING, chains=[world.robotics], starts_in=-timedelta(hours=1)
    )
    client = signed_in(world.staff)
    assert client.post(url("event-minutes", event.pk), {"minutes": "会议纪要"}).status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.HELD
    due = (timezone.localdate() + timedelta(days=60)).isoformat()
    response = client.post(
        url("decision-create", event.pk),
        {
            "text": "推动节卡机器人与湟里减速机开展联合攻关。",
            "kind": ActionItemKind.JOINT_RD,
            "title": "谐波减速器联合攻关",
            "owner": world.liaison.pk,
            "due_date": due,
            "chains": [world.robotics.pk],
            "lead_enterprise": world.jaka.pk,
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert item.decision.event == event
    assert item.owner == world.liaison
    # On the owner's action item list, linked back to the meeting.
    listed = signed_in(world.liaison).get(reverse("action_items:action-item-list")).content.decode()
    assert "谐波减速器联合攻关" in listed
    assert event.title in listed
    # The meeting page lists the decision with its action item.
    detail = client.get(url("event-detail", event.pk)).content.decode()
    assert "推动节卡机器人与湟里减速机开展联合攻关。" in detail
    assert "谐波减速器联合攻关" in detail


def test_decision_refused_before_the_minutes_and_with_a_past_due_date(world):
    event = make_event(chains=[world.robotics], starts_in=-timedelta(hours=1))
    client = signed_in(world.staff)
    data = {
        "text": "x",
        "kind": ActionItemKind.OTHER,
        "owner": world.staff.pk,
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
    }
    response = client.post(url("decision-create", event.pk), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    client.post(url("event-minutes", event.pk), {"minutes": "纪要"})
    response = client.post(url("decision-create", event.pk), {**data, "due_date": "2020-01-01"})
    assert "due_date" in response.context["form"].errors
    response = client.post(url("decision-create", event.pk), {**data, "owner": 999999})
    assert "owner" in response.context["form"].errors
    assert not ActionItem.objects.exists()


def test_minutes_refused_before_the_meeting(world, salon):
    response = signed_in(world.staff).post(url("event-minutes", salon.pk), {"minutes": "纪要"})
    assert response.status_code == 200
    salon.refresh_from_db()
    assert salon.status == EventStatus.PLANNED


def test_action_items_are_scoped(world):
    robotics_item = factories.ActionItemFactory(title="机器人链行动项目")
    robotics_item.chains.add(world.robotics)
    owned = factories.ActionItemFactory(title="宋飞洋负责的项目", owner=world.liaison)
    other = factories.ActionItemFactory(title="工程机械链行动项目")
    other.chains.add(world.machinery)

    def titles(user):
        return {
            item.title
            for item in signed_in(user)
            .get(reverse("action_items:action-item-list"))
            .context["page"]
            .object_list
        }

    assert titles(world.staff) == {robotics_item.title, owned.title, other.title}
    assert titles(world.chief) == {robotics_item.title}
    assert titles(world.liaison) == {owned.title}
    assert titles(world.outsider) == set()


def test_joint_meeting_draft_agenda_lists_its_chains_problem_needs(world):
    now = timezone.now()
    event = make_event(kind=EventKind.JOINT_MEETING, chains=[world.robotics])

    def need(title, status, chain=world.robotics, **fields):
        firm = world.jaka if chain == world.robotics else world.hengli
        return factories.NeedFactory(
            title=title, status=status, enterprise=firm, chain=chain, **fields
        )

    need("逾期未办结", NeedStatus.IN_PROGRESS, resolve_due=now - timedelta(days=2))
    need("重办需求", NeedStatus.REOPENED)
    need("长期跟踪需求", NeedStatus.LONG_TERM)
    need("按期办理中", NeedStatus.IN_PROGRESS, resolve_due=now + timedelta(days=2))
    need("已办结", NeedStatus.CLOSED, resolve_due=now - timedelta(days=9), closed_at=now)
    need(
        "其他链逾期", NeedStatus.IN_PROGRESS, chain=world.machinery, resolve_due=now - timedelta(1)
    )
    content = signed_in(world.staff).get(url("event-detail", event.pk)).content.decode()
    for title in ("逾期未办结", "重办需求", "长期跟踪需求"):
        assert title in content
    for title in ("按期办理中", "已办结", "其他链逾期"):
        assert title not in content
    # Not a joint meeting: no draft agenda section.
    salon = make_event(kind=EventKind.SALON, chains=[world.robotics])
    assert (
        "重办需求" not in signed_in(world.staff).get(url("event-detail", salon.pk)).content.decode()
    )


# --- Calendar: .ics and the private feed ------------------------------------------------------


def test_ics_download(world, salon):
    response = signed_in(world.secretary).get(url("event-ics", salon.pk))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="event-{salon.pk}.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == salon.title


def test_private_feed_works_without_login_until_revoked(world, salon):
    declined = make_event(title="已谢绝的会议", invitees=[world.secretary])
    declined.invitations.update(rsvp=Rsvp.DECLINED)
    make_event(title="没有受邀的会议", invitees=[world.head])
    client = signed_in(world.secretary)
    assert client.get(url("calendar-feed")).status_code == 200
    client.post(url("calendar-feed-create"))
    feed = CalendarFeed.objects.get(user=world.secretary)
    page = client.get(url("calendar-feed")).content.decode()
    assert feed.token in page

    anonymous = Client()
    response = anonymous.get(url("calendar-feed-ics", feed.token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    summaries = {
        str(v["SUMMARY"]) for v in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    }
    assert summaries == {salon.title}

    client.post(url("calendar-feed-revoke"))
    assert anonymous.get(url("calendar-feed-ics", feed.token)).status_code == 404
    # A new link works; the old one stays dead.
    client.post(url("calendar-feed-create"))
    fresh = CalendarFeed.objects.get(user=world.secretary, revoked_at__isnull=True)
    assert anonymous.get(url("calendar-feed-ics", fresh.token)).status_code == 200
    assert anonymous.get(url("calendar-feed-ics", feed.token)).status_code == 404


def test_links_that_leave_the_page_use_the_portal_address_not_the_request_host(
    world, salon, settings
):
    """The .ics, the feed and the door QR code outlive the request: they carry the portal's
    configured address even when the page was opened under another host name."""
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8101"
    check_in = f"http://127.0.0.1:8101{url('event-check-in', salon.pk)}"
    staff = signed_in(world.staff)
    with mock.patch("events.views.segno.make", wraps=segno.make) as make_qr:
        assert staff.get(url("event-qr", salon.pk), HTTP_HOST="localhost").status_code == 200
    assert make_qr.call_args.args[0] == check_in
    detail = staff.get(url("event-detail", salon.pk), HTTP_HOST="localhost")
    assert detail.context["check_in_url"] == check_in

    client = signed_in(world.secretary)
    ics = client.get(url("event-ics", salon.pk), HTTP_HOST="localhost")
    vevent = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(vevent["URL"]) == f"http://127.0.0.1:8101{url('event-detail', salon.pk)}"
    client.post(url("calendar-feed-create"))
    feed = CalendarFeed.objects.get(user=world.secretary)
    page = client.get(url("calendar-feed"), HTTP_HOST="localhost")
    assert page.context["feed_url"] == (
        f"http://127.0.0.1:8101{url('calendar-feed-ics', feed.token)}"
    )


def test_feed_refuses_unknown_tokens_and_closed_accounts(world, salon):
    feed = CalendarFeed.objects.create(user=world.secretary)
    anonymous = Client()
    assert anonymous.get(url("calendar-feed-ics", "x" * 43)).status_code == 404
    assert anonymous.get(url("calendar-feed-ics", feed.token[:-1])).status_code == 404
    world.secretary.is_active = False
    world.secretary.save()
    assert anonymous.get(url("calendar-feed-ics", feed.token)).status_code == 404


@pytest.mark.parametrize(
    "token", ["%00", "abc%00def", "x" * 10_000, "..%2f..%2f", "\u202etoken", "🙂" * 43, "a b"]
)
def test_feed_answers_404_to_malformed_tokens(world, token):
    # PostgreSQL refuses a NUL in a text parameter: a token that cannot be one is not looked up.
    CalendarFeed.objects.create(user=world.secretary)
    response = Client().get(f"/events/feed/{token}.ics")
    assert response.status_code == 404


def test_feed_queries_do_not_grow_with_meetings(world, django_assert_num_queries):
    feed = CalendarFeed.objects.create(user=world.secretary)
    make_event(invitees=[world.secretary])
    anonymous = Client()
    target = url("calendar-feed-ics", feed.token)
    one, _content = count_queries(anonymous, target)
    for i in range(49):
        make_event(invitees=[world.secretary], starts_in=timedelta(days=8 + i))
    # 1. the feed by its token (with the account's active flag), 2. the meetings
    with django_assert_num_queries(2):
        response = anonymous.get(target)
    assert one == 2
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 50


# --- Check-in ---------------------------------------------------------------------------------


def test_invitee_checks_in_once_with_the_qr_page(world):
    event = make_event(invitees=[world.secretary], starts_in=timedelta(minutes=30))
    client = signed_in(world.secretary)
    page = client.get(url("event-check-in", event.pk))
    assert page.status_code == 200
    assert 'type="submit"' in page.content.decode()
    assert client.post(url("event-check-in", event.pk)).status_code == 302
    invitation = event.invitations.get()
    first = invitation.checked_in_at
    assert first is not None
    client.post(url("event-check-in", event.pk))
    invitation.refresh_from_db()
    assert invitation.checked_in_at == first
    assert "portal-checked-in" in client.get(url("event-check-in", event.pk)).content.decode()


def test_check_in_refuses_non_invitees_clearly_and_404s_unknown_meetings(world):
    event = make_event(
        title="不公开的会议", invitees=[world.secretary], starts_in=timedelta(minutes=30)
    )
    client = signed_in(world.outsider)
    response = client.get(url("event-check-in", event.pk))
    assert response.status_code == 403
    content = response.content.decode()
    assert "You are not on the invitation list" in content
    assert "不公开的会议" not in content
    assert client.post(url("event-check-in", event.pk)).status_code == 403
    assert client.get(url("event-check-in", 999999)).status_code == 404
    assert not event.invitations.filter(checked_in_at__isnull=False).exists()
    anonymous = Client().get(url("event-check-in", event.pk))
    assert anonymous["Location"] == f"/accounts/login/?next=/events/{event.pk}/check-in/"


def test_check_in_too_early_is_refused(world, salon):
    client = signed_in(world.secretary)
    response = client.post(url("event-check-in", salon.pk), follow=True)
    assert "Check-in opens two hours before" in response.content.decode()
    assert not salon.invitations.filter(checked_in_at__isnull=False).exists()


def test_staff_check_someone_in_by_hand(world):
    event = make_event(invitees=[world.secretary], starts_in=-timedelta(minutes=10))
    invitation = event.invitations.get()
    assert (
        signed_in(world.secretary).post(url("invitation-check-in", invitation.pk)).status_code
        == 404
    )
    response = signed_in(world.staff).post(url("invitation-check-in", invitation.pk))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.checked_in_by == world.staff


def test_qr_code_is_an_svg_drawn_here(world, salon):
    response = signed_in(world.staff).get(url("event-qr", salon.pk))
    assert response["Content-Type"] == "image/svg+xml"
    content = response.content.decode()
    assert content.startswith("<svg")
    assert "http" in content  # the SVG namespace only; no outside image service
    assert "<script" not in content


# --- Export -----------------------------------------------------------------------------------


def test_attendance_export_is_an_xlsx_with_text_cells(world, salon):
    formula = factories.UserFactory(full_name='=HYPERLINK("http://evil.example","点我")')
    factories.InvitationFactory(
        event=salon, user=formula, rsvp=Rsvp.ACCEPTED, checked_in_at=timezone.now()
    )
    response = signed_in(world.staff).get(url("event-attendance-export", salon.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment;" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == salon.title
    names = {row[0] for row in rows[4:]}
    assert {"钱佳", "宋飞洋", formula.full_name} <= names
    evil = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == formula.full_name)
    assert evil[0].data_type == "s"  # text, not a formula
    secretary = next(row for row in rows[4:] if row[0] == "钱佳")
    assert secretary[2] == "节卡机器人股份有限公司"
    liaison = next(row for row in rows[4:] if row[0] == "宋飞洋")
    assert liaison[2] == "科学技术局"


# --- Escaping ---------------------------------------------------------------------------------


def test_titles_and_agendas_are_escaped_everywhere(world):
    event = make_event(
        title=XSS, agenda=XSS, venue=XSS, chains=[world.robotics], invitees=[world.secretary]
    )
    factories.DecisionFactory(
        event=event, text=XSS, action_item=factories.ActionItemFactory(title=XSS, owner=world.staff)
    )
    pages = [
        (world.staff, url("event-list")),
        (world.staff, url("event-detail", event.pk)),
        (world.staff, reverse("action_items:action-item-list")),
        (world.staff, "/"),
        (world.secretary, url("event-list")),
        (world.secretary, url("event-detail", event.pk)),
        (world.secretary, "/"),
    ]
    for user, target in pages:
        content = signed_in(user).get(target).content.decode()
        assert "<script>alert" not in content, target
        assert "<img src=x" not in content, target
        assert XSS_ESCAPED in content, target


def test_hostile_titles_in_messages_stay_plain_text(world):
    client = signed_in(world.staff)
    client.post(
        url("event-create"),
        create_data(world, title=XSS, agenda=XSS, invite_users=[world.secretary.pk]),
    )
    message = Notification.objects.get(kind="event_invited")
    # Stored as plain text (e-mails are text/plain); the notification page escapes it.
    assert XSS in message.title
    content = signed_in(world.secretary).get("/notifications/").content.decode()
    assert "<script>alert" not in content
    assert XSS_ESCAPED in content


# --- Home panel -------------------------------------------------------------------------------


def test_home_shows_an_invitee_their_next_meetings_with_reply_buttons(world, salon):
    content = signed_in(world.secretary).get("/").content.decode()
    assert salon.title in content
    invitation = salon.invitations.get(user=world.secretary)
    assert url("invitation-rsvp", invitation.pk) in content
    # Past meetings drop off the panel.
    past = make_event(
        title="上个月的座谈会", invitees=[world.secretary], starts_in=-timedelta(days=30)
    )
    assert past.title not in signed_in(world.secretary).get("/").content.decode()


def test_home_shows_staff_the_next_meetings(world, salon):
    content = signed_in(world.staff).get("/").content.decode()
    assert salon.title in content
    assert url("event-create") in content


# --- Series pages -----------------------------------------------------------------------------


def test_staff_create_a_series_and_its_meetings_appear(world):
    first = timezone.now() + timedelta(days=3)
    client = signed_in(world.staff)
    response = client.post(
        url("series-create"),
        {
            "kind": EventKind.JOINT_MEETING,
            "title": "产业链党建联席会议",
            "chains": [world.robotics.pk],
            "venue": "党群服务中心",
            "repeat": "monthly",
            "monthly_by": "weekday",
            "week": "1",
            "weekday": "TU",
            "start_date": first.date().isoformat(),
            "start_time": "14:30",
            "ends": "never",
            "skip_days_off": "on",
            "duration_minutes": 120,
            "months_ahead": 2,
            "agenda": "通报需求办理情况",
            "invite_chains": [world.robotics.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    series = EventSeries.objects.get()
    assert series.occurrences.count() >= 1
    assert set(series.invitees.values_list("username", flat=True)) == {
        "secretary",
        "reducer",
        "liaison",
        "chief",
    }
    assert series.rrule == "FREQ=MONTHLY;BYDAY=1TU"
    assert series.skip_days_off
    detail = client.get(url("series-detail", series.pk)).content.decode()
    assert "产业链党建联席会议" in detail
    assert "every month on the first Tuesday at 14:30" in detail
    response = client.post(url("series-generate", series.pk), follow=True)
    assert "already exist" in response.content.decode()


def test_series_form_refuses_a_bad_rule(world):
    response = signed_in(world.staff).post(
        url("series-create"),
        {
            "kind": EventKind.JOINT_MEETING,
            "title": "联席会议",
            "venue": "党群服务中心",
            "repeat": "custom",
            "rrule": "FREQ=SECONDLY",
            "start_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "start_time": "09:00",
            "ends": "never",
            "duration_minutes": 120,
            "months_ahead": 2,
        },
    )
    assert "rrule" in response.context["form"].errors
    assert not EventSeries.objects.exists()


# --- Query budgets ----------------------------------------------------------------------------


def test_event_list_queries_do_not_grow_with_meetings(world, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            event = make_event(chains=[world.robotics, world.machinery])
            factories.InvitationFactory(event=event, user=world.secretary, rsvp=Rsvp.ACCEPTED)

    add(1)
    staff = signed_in(world.staff)
    invitee = signed_in(world.secretary)
    staff_one, _ = count_queries(staff, url("event-list"))
    invitee_one, _ = count_queries(invitee, url("event-list"))
    add(30)
    # Staff: session, user, the roles (staff check) with the navbar bell's unread count; COUNT
    # for the pager; the page of meetings with their invitation counts; their chains (one
    # prefetch).
    with django_assert_num_queries(6):
        response = staff.get(url("event-list"))
    assert len(response.context["page"].object_list) == 20
    # An invitee: the same, with their own reply as a subquery instead of the counts.
    with django_assert_num_queries(invitee_one):
        response = invitee.get(url("event-list"))
    assert len(response.context["page"].object_list) == 20
    assert staff_one == 6
    assert invitee_one <= 6


def test_event_detail_queries_do_not_grow_with_invitations(world, django_assert_num_queries):
    event = make_event(
        kind=EventKind.JOINT_MEETING, chains=[world.robotics], invitees=[world.secretary]
    )
    factories.DecisionFactory(
        event=event, action_item=factories.ActionItemFactory(owner=world.staff)
    )
    staff = signed_in(world.staff)
    target = url("event-detail", event.pk)
    one, _ = count_queries(staff, target)
    for i in range(199):
        # Secretaries, liaisons and department heads, some checked in by staff at the door.
        user = factories.UserFactory()
        if i % 3 == 0:
            factories.LiaisonFactory(user=user, department=world.science)
        elif i % 3 == 1:
            factories.EnterpriseContactFactory(user=user, enterprise=world.jaka)
        else:
            factories.DepartmentFactory(head=user)
        factories.InvitationFactory(
            event=event,
            user=user,
            checked_in_at=timezone.now() if i % 2 else None,
            checked_in_by=world.staff if i % 2 else None,
        )
    # 1. session, 2. user, 3. the roles (staff check) with the navbar bell's unread count, 4. the
    # meeting with its series, 5. my invitation, 6. its chains, 7. the decisions with their action
    # items and owners, 8. the invitations with user, liaison department and who checked them
    # in, 9.–11. the affiliations (enterprise contacts with their firms, headed departments,
    # chaired chains), 12. the draft agenda's needs.
    with django_assert_num_queries(12):
        response = staff.get(target)
    assert one == 12
    assert len(response.context["invitations"]) == 200
    assert response.context["counts"]["invited"] == 200


def test_action_item_list_queries_do_not_grow(world, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            item = factories.ActionItemFactory(owner=world.liaison)
            item.chains.add(world.robotics)
            factories.DecisionFactory(action_item=item)

    add(1)
    client = signed_in(world.liaison)
    one, _ = count_queries(client, reverse("action_items:action-item-list"))
    add(30)
    with django_assert_num_queries(one):
        client.get(reverse("action_items:action-item-list"))


def test_home_panel_adds_one_query(world, salon):
    # The panel's own cost: one query for the next invitations.
    client = signed_in(world.secretary)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    panel = [q for q in queries.captured_queries if '"events_invitation"' in q["sql"]]
    assert len(panel) == 1
    for _ in range(10):
        make_event(invitees=[world.secretary])
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(queries)


def test_reply_buttons_go_once_the_meeting_has_begun(world):
    event = make_event(invitees=[world.secretary], starts_in=-timedelta(minutes=5))
    content = signed_in(world.secretary).get(url("event-detail", event.pk)).content.decode()
    invitation = event.invitations.get()
    assert url("invitation-rsvp", invitation.pk) not in content
    # Check-in is open: the button leads to the check-in page.
    assert url("event-check-in", event.pk) in content


def _series_post(world, **overrides) -> dict:
    return {
        "kind": EventKind.JOINT_MEETING,
        "title": "联席会议",
        "venue": "党群服务中心",
        "repeat": "custom",
        "rrule": "FREQ=MONTHLY;BYDAY=1TU",
        "start_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "start_time": "14:30",
        "ends": "never",
        "duration_minutes": 120,
        "months_ahead": 2,
        **overrides,
    }


@pytest.mark.parametrize("months_ahead", ["0", "25", "40000"])
def test_series_form_keeps_the_horizon_between_1_and_24_months(world, months_ahead):
    response = signed_in(world.staff).post(
        url("series-create"), _series_post(world, months_ahead=months_ahead)
    )
    assert response.status_code == 200
    assert "months_ahead" in response.context["form"].errors
    assert not EventSeries.objects.exists()


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;INTERVAL=0", "FREQ=MONTHLY;INTERVAL=0;BYDAY=1TU"])
def test_series_form_refuses_a_rule_that_cannot_produce_dates(world, rule):
    response = signed_in(world.staff).post(url("series-create"), _series_post(world, rrule=rule))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not EventSeries.objects.exists()


def test_series_with_the_longest_title_creates_its_meetings(world):
    title = "党" * EventSeries._meta.get_field("title").max_length
    response = signed_in(world.staff).post(url("series-create"), _series_post(world, title=title))
    assert response.status_code == 302
    series = EventSeries.objects.get()
    titles = list(series.occurrences.values_list("title", flat=True))
    assert titles
    limit = Event._meta.get_field("title").max_length
    assert all(len(t) <= limit and t.startswith("党党") for t in titles)


def test_check_in_with_an_id_beyond_any_integer_is_not_found(world):
    assert (
        signed_in(world.secretary).get("/events/99999999999999999999/check-in/").status_code == 404
    )
