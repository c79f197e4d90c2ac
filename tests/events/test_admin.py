from datetime import timedelta

import pytest
from django.forms import modelform_factory
from django.utils import timezone

from alliance.core.admin import TransitionCheckedForm
from events.admin import EventAdmin
from events.models import Decision, Event, EventSeries, EventStatus, Invitation, ReminderDispatch
from tests import factories
from tests.admin_helpers import (
    BASE_QUERIES,
    ESTIMATED_COUNT,
    NO_FULL_COUNT,
    AdminCase,
    admin_matrix,
    admin_url,
    page_queries,
)


def _series(n: int) -> list[EventSeries]:
    start = EventSeries.objects.count()
    series = []
    for i in range(n):
        item = EventSeries.objects.create(
            title=f"工程机械产业链联席会议{start + i}",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            first_starts_at=timezone.now() + timedelta(days=7),
        )
        item.chains.add(factories.IndustryChainFactory())
        series.append(item)
    return series


def _events(n: int) -> list[Event]:
    events = []
    for _ in range(n):
        event = factories.EventFactory(organizer=factories.UserFactory())
        event.chains.add(factories.IndustryChainFactory())
        factories.InvitationFactory(event=event)
        events.append(event)
    return events


def _reminders(n: int) -> list[ReminderDispatch]:
    reminders = []
    for _ in range(n):
        event = factories.EventFactory()
        reminders.append(
            ReminderDispatch.objects.create(
                event=event,
                recipient=factories.UserFactory(),
                offset=timedelta(days=1),
                event_starts_at=event.starts_at,
            )
        )
    return reminders


def _decisions(n: int) -> list[Decision]:
    return [factories.DecisionFactory(action_item=factories.ActionItemFactory()) for _ in range(n)]


ADMIN_CASES = {
    # + the rows; the chain filter's choices
    EventSeries: AdminCase(build=_series, changelist_queries=BASE_QUERIES + 1),
    # + the rows with organizer and invitation count; their chains (one prefetch); the chain and
    # series filters' choices; the date hierarchy's years
    Event: AdminCase(build=_events, changelist_queries=BASE_QUERIES + 5),
    # + the rows with event and user (no full count, no date hierarchy: alliance.core.paginators)
    Invitation: AdminCase(
        build=lambda n: factories.InvitationFactory.create_batch(n),
        changelist_queries=ESTIMATED_COUNT + 1,
    ),
    # + the rows with event and recipient (no full count); the date hierarchy's years
    ReminderDispatch: AdminCase(build=_reminders, changelist_queries=NO_FULL_COUNT + 2, add=False),
    # + the rows with event and action item; the date hierarchy's years
    Decision: AdminCase(build=_decisions, changelist_queries=BASE_QUERIES + 2),
}


(
    test_staff_open_changelist_add_and_change,
    test_plain_user_and_anonymous_are_sent_to_admin_login,
    test_changelist_queries_do_not_grow_with_rows,
) = admin_matrix(ADMIN_CASES)


def test_event_page_shows_invitations_and_decisions(staff_client):
    event = factories.EventFactory(title="红链有约 服务赋能专场沙龙")
    factories.InvitationFactory(event=event, user__full_name="宋飞洋")
    factories.DecisionFactory(event=event, text="推动关键液压件联合攻关")
    _count, content = page_queries(staff_client, admin_url(Event, "change", event.pk))
    assert "宋飞洋" in content
    assert "推动关键液压件联合攻关" in content
    assert 'name="invitations-0-rsvp"' in content
    assert 'name="decisions-0-text"' in content


def test_event_page_queries_do_not_grow_with_invitations(staff_client):
    event = factories.EventFactory()
    url = admin_url(Event, "change", event.pk)
    factories.InvitationFactory.create_batch(2, event=event)
    factories.DecisionFactory(event=event, action_item=factories.ActionItemFactory())
    with_two, _content = page_queries(staff_client, url)
    factories.InvitationFactory.create_batch(30, event=event)
    for _ in range(5):
        factories.DecisionFactory(event=event, action_item=factories.ActionItemFactory())
    count, content = page_queries(staff_client, url)
    assert count == with_two
    assert content.count('name="invitations-') >= 32


def test_staff_invite_someone_from_the_event_page(staff_client):
    event = factories.EventFactory()
    invitee = factories.UserFactory()
    data = {
        "kind": event.kind,
        "title": event.title,
        "venue": event.venue,
        "starts_at_0": timezone.localtime(event.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": timezone.localtime(event.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": timezone.localtime(event.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": timezone.localtime(event.ends_at).strftime("%H:%M:%S"),
        "status": event.status,
        "invitations-TOTAL_FORMS": "1",
        "invitations-INITIAL_FORMS": "0",
        "invitations-0-user": str(invitee.pk),
        "invitations-0-rsvp": "pending",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
    }
    response = staff_client.post(admin_url(Event, "change", event.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert list(Invitation.objects.filter(event=event).values_list("user", flat=True)) == [
        invitee.pk
    ]
    assert event.history.count() == 2


def test_reminder_claims_are_read_only(staff_client):
    reminder = _reminders(1)[0]
    content = staff_client.get(admin_url(ReminderDispatch, "change", reminder.pk)).content.decode()
    assert 'name="offset"' not in content
    response = staff_client.post(
        admin_url(ReminderDispatch, "delete", reminder.pk), {"post": "yes"}
    )
    assert response.status_code == 403
    assert ReminderDispatch.objects.filter(pk=reminder.pk).exists()


def test_event_title_is_escaped_in_the_list(staff_client):
    factories.EventFactory(title="<script>alert(1)</script>")
    content = staff_client.get(admin_url(Event, "changelist")).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# --- Status moves in the admin follow the table of allowed moves ----------------------------


def _status_form(event, data):
    return modelform_factory(Event, form=TransitionCheckedForm, fields=["status", "cancel_reason"])(
        data, instance=event
    )


@pytest.mark.django_db
def test_admin_refuses_an_illegal_status_move():
    assert issubclass(EventAdmin.form, TransitionCheckedForm)
    event = factories.EventFactory(status=EventStatus.CANCELLED, cancel_reason="改期")
    form = _status_form(event, {"status": EventStatus.HELD, "cancel_reason": "改期"})
    assert not form.is_valid()
    assert form.errors["status"]
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED


@pytest.mark.django_db
def test_admin_allows_a_legal_status_move():
    event = factories.EventFactory()
    form = _status_form(event, {"status": EventStatus.HELD, "cancel_reason": ""})
    assert form.is_valid(), form.errors
    form.save()
    event.refresh_from_db()
    assert event.status == EventStatus.HELD


@pytest.mark.django_db
def test_admin_shows_but_does_not_edit_time_place_and_status_of_a_meeting(staff_client):
    event = factories.EventFactory()
    page = staff_client.get(admin_url(Event, "change", event.pk)).content.decode()
    for field in ("starts_at", "ends_at", "venue", "status", "cancel_reason"):
        assert f'name="{field}' not in page
    assert 'name="title"' in page
    # Creating one in the admin still sets them.
    add_page = staff_client.get(admin_url(Event, "add")).content.decode()
    assert 'name="starts_at_0"' in add_page or 'name="starts_at"' in add_page


# --- Series: the schedule from plain choices ------------------------------------------------


def _series_admin_post(**overrides) -> dict:
    start = timezone.localdate() + timedelta(days=1)
    return {
        "kind": "joint_meeting",
        "title": "机器人产业链联席会议",
        "venue": "党群服务中心",
        "is_active": "on",
        "repeat": "quarterly",
        "monthly_by": "weekday",
        "week": "2",
        "weekday": "TH",
        "month_day": "1",
        "start_date": start.isoformat(),
        "start_time": "09:30",
        "ends": "count",
        "count": "4",
        "rrule": "",
        "skip_days_off": "on",
        "duration": "02:00:00",
        "months_ahead": "3",
        **overrides,
    }


def test_staff_create_a_series_in_the_admin_from_the_choices(staff_client):
    add_page = staff_client.get(admin_url(EventSeries, "add")).content.decode()
    assert 'name="repeat"' in add_page and 'name="weekday"' in add_page
    response = staff_client.post(admin_url(EventSeries, "add"), _series_admin_post())
    assert response.status_code == 302, response.context["adminform"].form.errors
    series = EventSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TH;COUNT=4"
    local = timezone.localtime(series.first_starts_at)
    assert (local.weekday(), local.strftime("%H:%M"), 8 <= local.day <= 14) == (3, "09:30", True)
    assert series.skip_days_off
    changelist = staff_client.get(admin_url(EventSeries, "changelist")).content.decode()
    assert "第二个周四" in changelist or "second Thursday" in changelist


def test_the_admin_refuses_a_hostile_custom_rule(staff_client):
    response = staff_client.post(
        admin_url(EventSeries, "add"),
        _series_admin_post(repeat="custom", rrule="FREQ=MONTHLY;UNTIL=20271231"),
    )
    assert response.status_code == 200
    assert "rrule" in response.context["adminform"].form.errors
    assert not EventSeries.objects.exists()
