"""The meeting services: every write, with the moves they refuse and the messages they send."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from alliance.core.models import Notification
from alliance.core.notifications import notification_send_email
from events.exceptions import EventActionError
from events.models import Event, EventKind, EventStatus, Invitation, Rsvp
from events.selectors import invitees_for
from events.services.events import (
    decision_record,
    event_cancel,
    event_create,
    event_record_minutes,
    event_reschedule,
    event_update,
)
from events.services.feeds import calendar_feed_get_or_create, calendar_feed_revoke
from events.services.invitations import (
    event_invite,
    event_uninvite,
    invitation_check_in,
    invitation_respond,
)
from liaisons.models import ActionItemKind, ActionItemParticipant, ActionItemStatus
from tests import factories
from tests.events.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Errors are matched in their English source text, which stays when the catalogue changes.
    with translation.override("en"):
        yield


START = datetime(2026, 12, 15, 14, 30, tzinfo=SHANGHAI)
END = START + timedelta(hours=2)


def create(world, **overrides) -> Event:
    fields = {
        "actor": world.staff,
        "kind": EventKind.SALON,
        "title": "“红链有约 服务赋能”机器人专场沙龙",
        "chains": [world.robotics],
        "venue": "武进高新区党群服务中心",
        "starts_at": START,
        "ends_at": END,
        "agenda": "一、政策解读\n二、企业交流",
        "invitees": [],
        "now": NOW,
    }
    return event_create(**{**fields, **overrides})


def notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


# --- Create -----------------------------------------------------------------------------------


def test_create_materialises_invitations_and_tells_each_invitee(world):
    invitees = invitees_for(chains=[world.robotics])
    event = create(world, invitees=invitees)
    assert event.organizer == world.staff
    assert list(event.chains.all()) == [world.robotics]
    assert set(event.invitations.values_list("user__username", flat=True)) == {
        "secretary",
        "reducer",
        "liaison",
        "chief",
    }
    assert set(event.invitations.values_list("rsvp", flat=True)) == {Rsvp.PENDING}
    assert notified("event_invited") == {"secretary", "reducer", "liaison", "chief"}
    message = Notification.objects.filter(kind="event_invited").first()
    assert "“红链有约 服务赋能”机器人专场沙龙" in message.title
    assert "武进高新区党群服务中心" in message.body
    assert message.url == f"/events/{event.pk}/"


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "error"),
    [
        (NOW - timedelta(minutes=1), NOW + timedelta(hours=1), "in the past"),
        (NOW, NOW + timedelta(hours=1), "in the past"),
        (START, START, "end must be after"),
        (START, START - timedelta(hours=1), "end must be after"),
    ],
)
def test_create_refuses_past_starts_and_ends_before_the_start(world, starts_at, ends_at, error):
    with pytest.raises(EventActionError, match=error):
        create(world, starts_at=starts_at, ends_at=ends_at, invitees=[world.secretary])
    assert not Event.objects.exists()
    assert not Notification.objects.exists()


def test_update_changes_the_description_but_not_a_cancelled_meeting(world):
    event = create(world)
    event_update(
        event=event,
        actor=world.staff,
        kind=EventKind.SYMPOSIUM,
        title="机器人产业座谈会",
        chains=[world.robotics, world.machinery],
        agenda="座谈",
    )
    event.refresh_from_db()
    assert (event.kind, event.title, event.agenda) == (
        EventKind.SYMPOSIUM,
        "机器人产业座谈会",
        "座谈",
    )
    assert event.chains.count() == 2
    assert event.sequence == 0
    event_cancel(event=event, actor=world.staff, reason="改期", now=NOW)
    with pytest.raises(EventActionError):
        event_update(event=event, actor=world.staff, kind="salon", title="x", chains=[], agenda="")


def test_invitation_e_mail_is_plain_text_with_the_meeting_and_a_link(world):
    event = create(world, invitees=[world.secretary])
    notification = Notification.objects.get(kind="event_invited")
    assert notification_send_email(notification_id=notification.pk)
    [email] = mail.outbox
    assert email.to == ["secretary@example.com"]
    assert email.content_subtype == "plain"
    assert "“红链有约 服务赋能”机器人专场沙龙" in email.subject
    assert "14:30" in email.body
    assert "一、政策解读" in email.body
    assert f"/events/{event.pk}/" in email.body


# --- Invitations ------------------------------------------------------------------------------


def test_invitees_by_chain_firm_department_and_person(world):
    def names(**groups):
        return set(invitees_for(**groups).values_list("username", flat=True))

    # Chain: its member firms' contacts, its task force liaisons and its chief.
    assert names(chains=[world.robotics]) == {"secretary", "reducer", "liaison", "chief"}
    assert names(chains=[world.machinery]) == {"hengli"}
    assert names(enterprises=[world.hengli]) == {"hengli"}
    # Department: its active liaisons and its head.
    assert names(departments=[world.science]) == {"liaison", "depthead"}
    assert names(users=[world.outsider]) == {"nobody"}
    assert names(enterprises=[world.hengli], users=[world.outsider, world.secretary]) == {
        "hengli",
        "nobody",
        "secretary",
    }
    assert names() == set()
    # Inactive accounts and inactive liaisons are not invited.
    world.secretary.is_active = False
    world.secretary.save()
    world.liaison.liaison.is_active = False
    world.liaison.liaison.save()
    assert names(chains=[world.robotics], departments=[world.science]) == {
        "reducer",
        "chief",
        "depthead",
    }


def test_inviting_again_adds_only_new_people_and_tells_only_them(world):
    event = create(world, invitees=[world.secretary])
    Notification.objects.all().delete()
    created = event_invite(
        event=event, actor=world.staff, users=[world.secretary, world.head], now=NOW
    )
    assert [invitation.user for invitation in created] == [world.head]
    assert event.invitations.count() == 2
    assert notified("event_invited") == {"depthead"}
    assert event_invite(event=event, actor=world.staff, users=[world.head], now=NOW) == []


def test_invitations_close_when_the_meeting_is_over_or_cancelled(world):
    event = create(world)
    with pytest.raises(EventActionError, match="over"):
        event_invite(event=event, actor=world.staff, users=[world.head], now=END)
    event_cancel(event=event, actor=world.staff, reason="台风", now=NOW)
    with pytest.raises(EventActionError):
        event_invite(event=event, actor=world.staff, users=[world.head], now=NOW)
    assert not event.invitations.exists()


def test_uninvite_removes_and_tells_the_person(world):
    event = create(world, invitees=[world.secretary, world.head])
    invitation = event.invitations.get(user=world.head)
    event_uninvite(invitation=invitation, actor=world.staff, now=NOW)
    assert list(event.invitations.values_list("user__username", flat=True)) == ["secretary"]
    assert notified("event_uninvited") == {"depthead"}


def test_rsvp_until_the_start_and_only_accept_or_decline(world):
    event = create(world, invitees=[world.secretary])
    invitation = event.invitations.get()
    invitation = invitation_respond(invitation=invitation, rsvp=Rsvp.ACCEPTED, now=NOW)
    assert (invitation.rsvp, invitation.responded_at) == (Rsvp.ACCEPTED, NOW)
    # The same reply again keeps the first time.
    later = NOW + timedelta(hours=1)
    invitation = invitation_respond(invitation=invitation, rsvp=Rsvp.ACCEPTED, now=later)
    assert invitation.responded_at == NOW
    invitation = invitation_respond(invitation=invitation, rsvp=Rsvp.DECLINED, now=later)
    assert (invitation.rsvp, invitation.responded_at) == (Rsvp.DECLINED, later)
    with pytest.raises(EventActionError):
        invitation_respond(invitation=invitation, rsvp=Rsvp.PENDING, now=later)
    with pytest.raises(EventActionError, match="begun"):
        invitation_respond(invitation=invitation, rsvp=Rsvp.ACCEPTED, now=START)
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.DECLINED


def test_no_replies_to_a_cancelled_meeting(world):
    event = create(world, invitees=[world.secretary])
    event_cancel(event=event, actor=world.staff, reason="改期", now=NOW)
    with pytest.raises(EventActionError):
        invitation_respond(invitation=event.invitations.get(), rsvp=Rsvp.ACCEPTED, now=NOW)


# --- Check-in ---------------------------------------------------------------------------------


def test_check_in_happens_once_inside_the_window(world):
    event = create(world, invitees=[world.secretary])
    invitation = event.invitations.get()
    with pytest.raises(EventActionError, match="opens"):
        invitation_check_in(
            invitation=invitation, actor=world.secretary, now=START - timedelta(hours=3)
        )
    arrived = START - timedelta(minutes=20)
    invitation, done = invitation_check_in(
        invitation=invitation, actor=world.secretary, now=arrived
    )
    assert done
    assert (invitation.checked_in_at, invitation.checked_in_by) == (arrived, None)
    # Scanning again keeps the first time.
    invitation, done = invitation_check_in(
        invitation=invitation, actor=world.secretary, now=START + timedelta(minutes=5)
    )
    assert not done
    invitation.refresh_from_db()
    assert invitation.checked_in_at == arrived


def test_self_check_in_closes_but_staff_may_record_later(world):
    event = create(world, invitees=[world.secretary])
    invitation = event.invitations.get()
    late = END + timedelta(hours=3)
    with pytest.raises(EventActionError, match="closed"):
        invitation_check_in(invitation=invitation, actor=world.secretary, now=late)
    # Nobody checks in someone else without being staff.
    with pytest.raises(EventActionError):
        invitation_check_in(invitation=invitation, actor=world.head, now=START)
    invitation, done = invitation_check_in(
        invitation=invitation, actor=world.staff, by_staff=True, now=late
    )
    assert done
    assert (invitation.checked_in_at, invitation.checked_in_by) == (late, world.staff)


def test_no_check_in_to_a_cancelled_meeting(world):
    event = create(world, invitees=[world.secretary])
    event_cancel(event=event, actor=world.staff, reason="改期", now=NOW)
    with pytest.raises(EventActionError, match="cancelled"):
        invitation_check_in(invitation=event.invitations.get(), actor=world.secretary, now=START)


# --- Reschedule and cancel --------------------------------------------------------------------


def test_reschedule_bumps_the_calendar_revision_and_tells_everyone(world):
    event = create(world, invitees=[world.secretary, world.head])
    event.invitations.filter(user=world.head).update(rsvp=Rsvp.DECLINED)
    new_start = START + timedelta(days=2)
    event = event_reschedule(
        event=event,
        actor=world.staff,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=3),
        venue="节卡机器人会议室",
        note="与市级活动冲突，改至周四",
        now=NOW,
    )
    event.refresh_from_db()
    assert (event.starts_at, event.venue, event.sequence) == (new_start, "节卡机器人会议室", 1)
    # Everyone is told, including those who declined; their replies stay.
    assert notified("event_rescheduled") == {"secretary", "depthead"}
    body = Notification.objects.filter(kind="event_rescheduled").first().body
    assert "与市级活动冲突，改至周四" in body
    assert "武进高新区党群服务中心" in body  # where it was
    assert "节卡机器人会议室" in body
    assert event.invitations.get(user=world.head).rsvp == Rsvp.DECLINED
    # Times in the message are Beijing time.
    assert "14:30" in body


def test_reschedule_to_the_same_time_and_place_changes_nothing(world):
    event = create(world, invitees=[world.secretary])
    event_reschedule(
        event=event, actor=world.staff, starts_at=START, ends_at=END, venue=event.venue, now=NOW
    )
    event.refresh_from_db()
    assert event.sequence == 0
    assert not notified("event_rescheduled")


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (NOW - timedelta(days=1), NOW - timedelta(days=1) + timedelta(hours=2)),
        (START, START - timedelta(minutes=30)),
    ],
)
def test_reschedule_refuses_the_past_and_an_end_before_the_start(world, starts_at, ends_at):
    event = create(world, invitees=[world.secretary])
    with pytest.raises(EventActionError):
        event_reschedule(
            event=event,
            actor=world.staff,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=event.venue,
            now=NOW,
        )
    event.refresh_from_db()
    assert (event.starts_at, event.sequence) == (START, 0)
    assert not notified("event_rescheduled")


def test_cancel_needs_a_reason_tells_everyone_and_happens_once(world):
    event = create(world, invitees=[world.secretary, world.head])
    with pytest.raises(EventActionError):
        event_cancel(event=event, actor=world.staff, reason="  ", now=NOW)
    event = event_cancel(event=event, actor=world.staff, reason="台风橙色预警", now=NOW)
    event.refresh_from_db()
    assert (event.status, event.cancel_reason, event.sequence) == (
        EventStatus.CANCELLED,
        "台风橙色预警",
        1,
    )
    assert notified("event_cancelled") == {"secretary", "depthead"}
    assert "台风橙色预警" in Notification.objects.filter(kind="event_cancelled").first().body
    with pytest.raises(EventActionError):
        event_cancel(event=event, actor=world.staff, reason="再取消", now=NOW)
    with pytest.raises(EventActionError):
        event_reschedule(
            event=event, actor=world.staff, starts_at=START, ends_at=END, venue="x", now=NOW
        )
    assert Notification.objects.filter(kind="event_cancelled").count() == 2


# --- Minutes and decisions --------------------------------------------------------------------


def test_minutes_mark_a_begun_meeting_held(world):
    event = create(world)
    with pytest.raises(EventActionError, match="begun"):
        event_record_minutes(event=event, actor=world.staff, minutes="纪要", now=NOW)
    event = event_record_minutes(
        event=event, actor=world.staff, minutes="  会议研究了三件事。 ", now=START
    )
    event.refresh_from_db()
    assert (event.status, event.minutes) == (EventStatus.HELD, "会议研究了三件事。")
    # Corrections later keep it held.
    event_record_minutes(event=event, actor=world.staff, minutes="修订稿", now=END + timedelta(1))
    event.refresh_from_db()
    assert (event.status, event.minutes) == (EventStatus.HELD, "修订稿")


def test_a_decision_becomes_an_action_item_for_its_owner(world):
    event = create(world)
    with pytest.raises(EventActionError, match="minutes first"):
        decision_record(
            event=event,
            actor=world.staff,
            text="x",
            kind=ActionItemKind.JOINT_RD,
            title="",
            owner=world.liaison,
            due_date=date(2027, 3, 31),
            chains=[world.robotics],
            now=START,
        )
    event_record_minutes(event=event, actor=world.staff, minutes="纪要", now=START)
    decision = decision_record(
        event=event,
        actor=world.staff,
        text="启动机器人核心零部件协同攻关，由湟里减速机牵头。",
        kind=ActionItemKind.JOINT_RD,
        title="谐波减速器寿命提升协同攻关",
        owner=world.liaison,
        due_date=date(2027, 3, 31),
        chains=[world.robotics],
        enterprises=[world.jaka],
        lead_enterprise=world.hengli,
        now=END,
    )
    item = decision.action_item
    assert decision.event == event
    assert decision.order == 1
    assert (item.title, item.kind, item.owner, item.due_date, item.status) == (
        "谐波减速器寿命提升协同攻关",
        ActionItemKind.JOINT_RD,
        world.liaison,
        date(2027, 3, 31),
        ActionItemStatus.PLANNED,
    )
    assert item.description == "启动机器人核心零部件协同攻关，由湟里减速机牵头。"
    assert list(item.chains.all()) == [world.robotics]
    roles = dict(
        ActionItemParticipant.objects.filter(action_item=item).values_list(
            "enterprise__name", "role"
        )
    )
    assert roles == {"节卡机器人股份有限公司": "partner", "江苏恒立液压股份有限公司": "lead"}
    assert notified("event_action_item") == {"liaison"}
    assert Notification.objects.get(kind="event_action_item").url == f"/action-items/{item.pk}/"
    # A second decision is numbered after the first; an empty title takes the decision text.
    second = decision_record(
        event=event,
        actor=world.staff,
        text="下次联席会议通报进展。",
        kind=ActionItemKind.OTHER,
        title="",
        owner=world.staff,
        due_date=date(2027, 1, 5),
        chains=[],
        now=END,
    )
    assert (second.order, second.action_item.title) == (2, "下次联席会议通报进展。")


def test_a_decision_cannot_be_due_in_the_past(world):
    event = create(world)
    event_record_minutes(event=event, actor=world.staff, minutes="纪要", now=START)
    with pytest.raises(EventActionError, match="past"):
        decision_record(
            event=event,
            actor=world.staff,
            text="x",
            kind=ActionItemKind.OTHER,
            title="",
            owner=world.staff,
            due_date=date(2026, 12, 1),
            chains=[],
            now=datetime(2026, 12, 16, 9, 0, tzinfo=SHANGHAI),
        )
    assert not event.decisions.exists()


# --- Calendar feed tokens ---------------------------------------------------------------------


def test_feed_token_is_reused_until_revoked(world):
    feed = calendar_feed_get_or_create(user=world.secretary)
    assert len(feed.token) >= 40
    assert calendar_feed_get_or_create(user=world.secretary) == feed
    assert calendar_feed_revoke(user=world.secretary, now=NOW) == 1
    feed.refresh_from_db()
    assert feed.revoked_at == NOW
    fresh = calendar_feed_get_or_create(user=world.secretary)
    assert fresh.pk != feed.pk
    assert fresh.token != feed.token
    assert calendar_feed_get_or_create(user=world.head).token not in {feed.token, fresh.token}


def test_invite_queries_do_not_grow_with_people(world):
    def count(n: int) -> int:
        event = create(world)
        people = factories.UserFactory.create_batch(n)
        with CaptureQueriesContext(connection) as queries:
            event_invite(event=event, actor=world.staff, users=people, now=NOW)
        assert Invitation.objects.filter(event=event).count() == n
        return len(queries)

    assert count(1) == count(30)
