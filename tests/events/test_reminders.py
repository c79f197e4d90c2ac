"""Meeting reminders: due offsets, who gets them, exactly once, catch-up, re-arming, settings."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.timesince import timeuntil

from alliance import env
from alliance.core.models import Notification
from alliance.core.notifications import notification_send_email
from events.models import Event, EventStatus, Invitation, ReminderDispatch, Rsvp
from events.services.events import event_cancel, event_reschedule
from events.services.reminders import due_offset, send_due_reminders
from events.tasks import send_event_reminders
from tests import factories
from tests.events.conftest import NOW

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
OFFSETS = [3 * DAY, DAY, 2 * HOUR]


@pytest.fixture(autouse=True)
def default_offsets(settings):
    settings.EVENT_REMINDER_OFFSETS = OFFSETS


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def meeting(*, starts_in: timedelta = 5 * DAY, **fields) -> Event:
    starts_at = NOW + starts_in
    return factories.EventFactory(starts_at=starts_at, ends_at=starts_at + 2 * HOUR, **fields)


def invite(event: Event, user=None, *, rsvp=Rsvp.PENDING, invited_before=10 * DAY) -> Invitation:
    invitation = factories.InvitationFactory(
        event=event, user=user or factories.UserFactory(), rsvp=rsvp
    )
    # created_at is auto_now_add: set the invitation time explicitly.
    Invitation.objects.filter(pk=invitation.pk).update(created_at=event.starts_at - invited_before)
    return invitation


def time_left(event: Event, now) -> str:
    # Messages are written in the portal's language whatever the request's.
    with translation.override(settings.LANGUAGE_CODE):
        return timeuntil(event.starts_at, now)


def statements(captured: CaptureQueriesContext, *, but: str) -> list[str]:
    verbs = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    return [verb for verb in verbs if verb != but]


def reminders_of(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="event_reminder"))


# --- Which reminder is due --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before_start", "expected"),
    [
        (4 * DAY, None),
        (3 * DAY + MINUTE, None),
        (3 * DAY, 3 * DAY),
        (2 * DAY, 3 * DAY),
        (DAY, DAY),
        (23 * HOUR, DAY),
        (2 * HOUR, 2 * HOUR),
        (MINUTE, 2 * HOUR),
        (timedelta(0), None),  # the meeting begins now
        (-HOUR, None),  # and has begun
    ],
)
def test_due_offset(before_start, expected):
    starts_at = NOW + before_start
    assert due_offset(starts_at=starts_at, now=NOW, offsets=OFFSETS) == expected


@pytest.mark.django_db
def test_nothing_goes_out_before_the_first_reminder_time():
    event = meeting(starts_in=3 * DAY + MINUTE)
    invitation = invite(event)
    assert send_due_reminders(now=NOW) == 0
    assert reminders_of(invitation.user) == []
    assert not ReminderDispatch.objects.exists()


@pytest.mark.django_db
def test_each_offset_goes_out_once_at_its_time():
    event = meeting()
    invitation = invite(event)
    user = invitation.user
    sent = []
    for offset in OFFSETS:
        at = event.starts_at - offset + MINUTE
        sent.append(send_due_reminders(now=at))
        sent.append(send_due_reminders(now=at + 10 * MINUTE))  # the next sweeps find nothing
    assert sent == [1, 0, 1, 0, 1, 0]
    assert len(reminders_of(user)) == 3
    rows = ReminderDispatch.objects.filter(event=event, recipient=user)
    assert sorted(rows.values_list("offset", flat=True)) == sorted(OFFSETS)
    assert all(row.sent_at is not None and row.event_starts_at == event.starts_at for row in rows)


@pytest.mark.django_db
def test_the_reminder_is_an_in_app_notification_and_an_email():
    event = meeting(title="红链有约·服务赋能沙龙", venue="党群服务中心三楼")
    user = invite(event, factories.UserFactory(email="qian@example.com")).user
    at = event.starts_at - DAY
    assert send_due_reminders(now=at) == 1
    (notification,) = reminders_of(user)
    assert notification.url == f"/events/{event.pk}/"
    assert "红链有约·服务赋能沙龙" in notification.title
    assert time_left(event, at) in notification.body
    assert "党群服务中心三楼" in notification.body
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert notification_send_email(notification_id=notification.pk, now=at)
    (message,) = mail.outbox
    assert message.to == ["qian@example.com"]
    assert "红链有约·服务赋能沙龙" in message.subject
    assert f"/events/{event.pk}/" in message.body


@pytest.mark.django_db
def test_declined_and_inactive_invitees_get_no_reminder():
    event = meeting()
    pending = invite(event, rsvp=Rsvp.PENDING).user
    accepted = invite(event, rsvp=Rsvp.ACCEPTED).user
    declined = invite(event, rsvp=Rsvp.DECLINED).user
    closed = invite(event, factories.UserFactory(is_active=False)).user
    assert send_due_reminders(now=event.starts_at - DAY) == 2
    assert len(reminders_of(pending)) == 1
    assert len(reminders_of(accepted)) == 1
    assert reminders_of(declined) == []
    assert reminders_of(closed) == []
    assert not ReminderDispatch.objects.filter(recipient__in=[declined, closed]).exists()


@pytest.mark.django_db
def test_people_invited_after_a_reminder_time_get_only_later_reminders():
    event = meeting()
    early = invite(event).user
    late = invite(event, invited_before=20 * HOUR).user  # invited after the 1-day reminder time
    assert send_due_reminders(now=event.starts_at - 19 * HOUR) == 1
    assert len(reminders_of(early)) == 1
    assert reminders_of(late) == []
    assert send_due_reminders(now=event.starts_at - 2 * HOUR) == 2
    assert len(reminders_of(late)) == 1


@pytest.mark.django_db
def test_cancelled_meetings_get_no_reminders(world):
    event = meeting()
    invitation = invite(event)
    event_cancel(event=event, actor=world.staff, reason="台风停课", now=NOW)
    assert send_due_reminders(now=event.starts_at - DAY) == 0
    assert reminders_of(invitation.user) == []


@pytest.mark.django_db
def test_cancelling_stops_the_remaining_reminders(world):
    event = meeting()
    invitation = invite(event)
    assert send_due_reminders(now=event.starts_at - DAY) == 1
    event_cancel(event=event, actor=world.staff, reason="台风停课", now=NOW)
    assert send_due_reminders(now=event.starts_at - HOUR) == 0
    assert len(reminders_of(invitation.user)) == 1


@pytest.mark.django_db
def test_held_meetings_get_no_reminders():
    event = meeting(status=EventStatus.HELD)
    invite(event)
    assert send_due_reminders(now=event.starts_at - HOUR) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("after_start", [timedelta(0), MINUTE, 3 * HOUR, 30 * DAY])
def test_past_meetings_never_get_reminders(after_start):
    event = meeting()
    invitation = invite(event)
    assert send_due_reminders(now=event.starts_at + after_start) == 0
    assert reminders_of(invitation.user) == []
    assert not ReminderDispatch.objects.exists()


@pytest.mark.django_db
def test_a_reschedule_rearms_the_reminders(world):
    event = meeting(starts_in=2 * DAY)
    user = invite(event).user
    first_start = event.starts_at
    assert send_due_reminders(now=first_start - DAY) == 1
    new_start = first_start + 7 * DAY
    event_reschedule(
        event=event,
        actor=world.staff,
        starts_at=new_start,
        ends_at=new_start + 2 * HOUR,
        venue=event.venue,
        now=first_start - DAY + HOUR,
    )
    # The old start's reminders are over; nothing fires at the old times any more.
    assert send_due_reminders(now=first_start - HOUR) == 0
    for offset in OFFSETS:
        assert send_due_reminders(now=new_start - offset) == 1
    assert len(reminders_of(user)) == 4
    sent = ReminderDispatch.objects.filter(recipient=user, sent_at__isnull=False)
    keys = sent.values_list("event_starts_at", "offset")
    assert sorted(keys) == sorted([(first_start, DAY)] + [(new_start, o) for o in OFFSETS])


@pytest.mark.django_db
def test_a_second_sweep_sends_nothing_again():
    event = meeting()
    users = [invite(event).user for _ in range(3)]
    at = event.starts_at - DAY
    assert send_due_reminders(now=at) == 3
    assert send_due_reminders(now=at) == 0
    assert send_event_reminders.run() == 0  # the real clock: the meeting is days ahead
    assert [len(reminders_of(user)) for user in users] == [1, 1, 1]
    assert ReminderDispatch.objects.count() == 3 + 3  # sent 1-day rows + skipped 3-day rows


@pytest.mark.django_db
def test_after_a_downtime_only_the_most_recent_reminder_goes_out():
    event = meeting()
    user = invite(event).user
    # The worker was down through the 3-day and the 1-day reminder times.
    assert send_due_reminders(now=event.starts_at - 20 * HOUR) == 1
    (notification,) = reminders_of(user)
    assert time_left(event, event.starts_at - 20 * HOUR) in notification.body
    rows = dict(
        ReminderDispatch.objects.filter(event=event, recipient=user).values_list(
            "offset", "sent_at"
        )
    )
    assert rows == {DAY: event.starts_at - 20 * HOUR, 3 * DAY: None}  # 3 days: skipped
    assert send_due_reminders(now=event.starts_at - 19 * HOUR) == 0
    # Down again until shortly before the start: the 2-hour reminder still goes out.
    assert send_due_reminders(now=event.starts_at - 5 * MINUTE) == 1
    assert len(reminders_of(user)) == 2


@pytest.mark.django_db
def test_a_reminder_already_claimed_is_not_sent_again():
    """The claim row decides: whoever inserted it has sent (or deliberately skipped) it."""
    event = meeting()
    user = invite(event).user
    ReminderDispatch.objects.create(
        event=event, recipient=user, offset=DAY, event_starts_at=event.starts_at
    )
    assert send_due_reminders(now=event.starts_at - DAY) == 0
    assert reminders_of(user) == []


@pytest.mark.django_db
def test_query_count_does_not_grow_with_invitations(django_assert_max_num_queries):
    small = meeting(starts_in=5 * DAY)
    invite(small)
    large = meeting(starts_in=20 * DAY)  # no reminder due while the small one is swept
    for user in factories.UserFactory.create_batch(200):
        invite(large, user)

    with CaptureQueriesContext(connection) as one:
        assert send_due_reminders(now=small.starts_at - DAY) == 1
    with CaptureQueriesContext(connection) as many:
        assert send_due_reminders(now=large.starts_at - DAY) == 200
    if connection.vendor == "sqlite":
        # SQLite caps a statement at 999 parameters, so Django splits big bulk INSERTs into
        # batches; everything else must be the same statements.
        assert statements(many, but="INSERT") == statements(one, but="INSERT")
    else:
        assert len(many) == len(one)
    with django_assert_max_num_queries(len(one)):
        assert send_due_reminders(now=large.starts_at - DAY) == 0
    assert Notification.objects.filter(kind="event_reminder").count() == 201


@pytest.mark.django_db
def test_between_reminder_times_the_sweep_is_one_query_however_many_meetings(
    django_assert_num_queries,
):
    """Each minute's sweep reads only the meetings with someone still due the current
    reminder: once all are claimed, one query whatever the meetings and invitees ahead."""
    events = [meeting(starts_in=5 * DAY + i * HOUR) for i in range(8)]
    for event in events:
        for _ in range(3):
            invite(event)
    declined = meeting(starts_in=5 * DAY)
    invite(declined, rsvp=Rsvp.DECLINED)
    at = NOW + 2 * DAY + 12 * HOUR  # every meeting is within three days: its 3-day reminder
    assert send_due_reminders(now=at) == 8 * 3
    with django_assert_num_queries(1):
        assert send_due_reminders(now=at + MINUTE) == 0
    # A new invitee from before the reminder time (an import) is still found and reminded.
    late = invite(events[0], invited_before=4 * DAY)
    assert send_due_reminders(now=at + 2 * MINUTE) == 1
    assert len(reminders_of(late.user)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_send_each_reminder_once(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL row locks")
    events = [meeting(starts_in=(5 + i) * DAY) for i in range(3)]
    users = factories.UserFactory.create_batch(20)
    for event in events:
        for user in users:
            invite(event, user)
    # The e-mails would be queued on the real broker after commit; the outbox is tested apart.
    monkeypatch.setattr("alliance.core.notifications._queue_emails", lambda ids: None)
    at = NOW + 4 * DAY + 12 * HOUR  # every meeting is less than 3 days away: all are due
    barrier = threading.Barrier(4)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(send_due_reminders(now=at))
        except Exception as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(results) == 3 * 20
    assert Notification.objects.filter(kind="event_reminder").count() == 3 * 20
    assert ReminderDispatch.objects.filter(sent_at__isnull=False).count() == 3 * 20


@pytest.mark.django_db(transaction=True)
def test_a_claim_committed_under_the_sweep_aborts_it_without_sending(monkeypatch, caplog):
    """The unique constraint is the last word, also against a writer that takes no lock."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    monkeypatch.setattr("alliance.core.notifications._queue_emails", lambda ids: None)
    event = meeting()
    user = invite(event).user
    at = event.starts_at - DAY
    holding, release = threading.Event(), threading.Event()

    def rogue_claim():
        try:
            with transaction.atomic():
                ReminderDispatch.objects.create(
                    event=event, recipient=user, offset=DAY, event_starts_at=event.starts_at
                )
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    rogue = threading.Thread(target=rogue_claim)
    rogue.start()
    assert holding.wait(timeout=10)
    # The sweep sees no committed claim, inserts, and waits on the unique index until the
    # rogue transaction commits a second later.
    threading.Timer(1.0, release.set).start()
    with caplog.at_level("INFO", logger="events.services.reminders"):
        assert send_due_reminders(now=at) == 0
    rogue.join(timeout=10)
    assert "already claimed" in caplog.text
    assert reminders_of(user) == []
    assert ReminderDispatch.objects.filter(event=event).count() == 1


# --- Task and settings ------------------------------------------------------------------------


def test_beat_runs_the_sweep_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["send-event-reminders"]
    assert entry["task"] == send_event_reminders.name
    assert entry["schedule"] == 60.0
    assert send_event_reminders.acks_late is True


@pytest.mark.django_db
def test_the_task_sends_what_is_due_now():
    from django.utils import timezone

    event = factories.EventFactory(
        starts_at=timezone.now() + HOUR, ends_at=timezone.now() + 3 * HOUR
    )
    user = invite(event).user
    assert send_event_reminders.run() == 1
    assert len(reminders_of(user)) == 1


def test_the_default_offsets_are_three_days_one_day_two_hours(monkeypatch):
    monkeypatch.delenv("DJANGO_EVENT_REMINDER_OFFSETS", raising=False)
    assert env.get_durations("DJANGO_EVENT_REMINDER_OFFSETS", [2 * HOUR, 3 * DAY, DAY]) == [
        3 * DAY,
        DAY,
        2 * HOUR,
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3d,1d,2h", [3 * DAY, DAY, 2 * HOUR]),
        ("2h, 1W ,90m", [7 * DAY, 2 * HOUR, 90 * MINUTE]),
        ("30m", [30 * MINUTE]),
    ],
)
def test_offsets_are_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("DJANGO_EVENT_REMINDER_OFFSETS", value)
    assert env.get_durations("DJANGO_EVENT_REMINDER_OFFSETS", OFFSETS) == expected


@pytest.mark.parametrize(
    "value", ["", "3", "3x", "d", "0h", "-1d", "1.5d", "3d,,2h", "3d;1d", "1d,24h", "2h,2h"]
)
def test_malformed_offsets_stop_startup_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("DJANGO_EVENT_REMINDER_OFFSETS", value)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_EVENT_REMINDER_OFFSETS"):
        env.get_durations("DJANGO_EVENT_REMINDER_OFFSETS", OFFSETS)
