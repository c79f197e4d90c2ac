"""Meeting services check the actor themselves: a non-staff caller changes nothing."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from events.exceptions import EventActionError
from events.models import Event, EventKind, EventSeries, EventStatus, Invitation
from events.services.events import (
    decision_record,
    event_cancel,
    event_create,
    event_record_minutes,
    event_reschedule,
    event_update,
)
from events.services.invitations import event_invite, event_uninvite, invitation_check_in
from events.services.series import series_create, series_update
from liaisons.models import ActionItem, ActionItemKind
from tests.events.conftest import NOW, make_event

pytestmark = pytest.mark.django_db

NOT_STAFF = ("chief", "liaison", "head", "secretary", "outsider")
REFUSAL = "Only park staff can manage meetings."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _calls(world, event, held, invitation, series):
    start = NOW + timedelta(days=10)
    return {
        "create": lambda actor: event_create(
            actor=actor,
            kind=EventKind.SALON,
            title="沙龙",
            chains=[world.robotics],
            venue="党群服务中心",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            now=NOW,
        ),
        "update": lambda actor: event_update(
            event=event, actor=actor, kind=EventKind.SALON, title="改", chains=[], agenda=""
        ),
        "reschedule": lambda actor: event_reschedule(
            event=event,
            actor=actor,
            starts_at=event.starts_at + timedelta(days=1),
            ends_at=event.ends_at + timedelta(days=1),
            venue="别处",
        ),
        "cancel": lambda actor: event_cancel(event=event, actor=actor, reason="取消"),
        "minutes": lambda actor: event_record_minutes(event=held, actor=actor, minutes="纪要"),
        "decision": lambda actor: decision_record(
            event=held,
            actor=actor,
            text="开展对接",
            kind=ActionItemKind.MATCHMAKING,
            title="对接",
            owner=world.staff,
            due_date=date.today() + timedelta(days=30),
            chains=[world.robotics],
        ),
        "invite": lambda actor: event_invite(event=event, actor=actor, users=[world.outsider]),
        "uninvite": lambda actor: event_uninvite(invitation=invitation, actor=actor),
        "check-in for someone": lambda actor: invitation_check_in(
            invitation=invitation, actor=actor, by_staff=True
        ),
        "series": lambda actor: series_create(
            actor=actor,
            kind=EventKind.JOINT_MEETING,
            title="联席会议",
            chains=[world.robotics],
            venue="党群服务中心",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            first_starts_at=start,
            duration=timedelta(hours=2),
            months_ahead=3,
            agenda="",
            invitees=[],
            now=NOW,
        ),
        "series update": lambda actor: series_update(
            series=series,
            actor=actor,
            kind=EventKind.JOINT_MEETING,
            title="改名的联席会议",
            chains=[world.robotics],
            venue="党群服务中心",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            first_starts_at=series.first_starts_at,
            duration=timedelta(hours=2),
            months_ahead=3,
            agenda="",
            is_active=False,
            invitees=[],
            now=NOW,
        ),
    }


def _state():
    return (
        list(Event.objects.values_list("pk", "title", "status", "starts_at", "minutes")),
        list(Invitation.objects.values_list("pk", "checked_in_at")),
        list(EventSeries.objects.values_list("pk", "title", "is_active")),
        ActionItem.objects.count(),
    )


@pytest.mark.parametrize("who", NOT_STAFF)
@pytest.mark.parametrize(
    "call",
    [
        "create",
        "update",
        "reschedule",
        "cancel",
        "minutes",
        "decision",
        "invite",
        "uninvite",
        "check-in for someone",
        "series",
        "series update",
    ],
)
def test_only_staff_run_meetings(world, who, call):
    event = make_event(chains=[world.robotics], invitees=[world.secretary])
    held = make_event(chains=[world.robotics], starts_in=timedelta(hours=-3))
    held.status = EventStatus.HELD
    held.save()
    invitation = event.invitations.get()
    series = _calls(world, event, held, invitation, None)["series"](world.staff)
    before = _state()
    with pytest.raises(EventActionError) as refused:
        _calls(world, event, held, invitation, series)[call](getattr(world, who))
    assert refused.value.message == REFUSAL
    assert _state() == before


def test_staff_pass_the_same_guard(world):
    event = make_event(chains=[world.robotics])
    updated = event_update(
        event=event, actor=world.staff, kind=EventKind.SALON, title="改名", chains=[], agenda=""
    )
    assert updated.title == "改名"
