from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import (
    EVENT_TRANSITIONS,
    CalendarFeed,
    EventSeries,
    EventStatus,
    ReminderDispatch,
)
from events.validators import validate_rrule
from tests.factories import EventFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_event_must_end_after_it_starts():
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(starts_at=start, ends_at=start)
    event = EventFactory.build(starts_at=start, ends_at=start - timedelta(hours=1))
    with pytest.raises(ValidationError):
        event.full_clean()


def test_cancelled_event_needs_a_reason():
    event = EventFactory()
    event.status = EventStatus.CANCELLED
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()
    event.cancel_reason = "台风预警，改期举行"
    event.save()


def test_one_invitation_per_person_and_event():
    invitation = InvitationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(event=invitation.event, user=invitation.user)


def test_reminder_claim_is_unique_per_event_person_offset_and_start():
    event = EventFactory()
    user = UserFactory()
    key = {
        "event": event,
        "recipient": user,
        "offset": timedelta(days=1),
        "event_starts_at": event.starts_at,
    }
    ReminderDispatch.objects.create(**key)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDispatch.objects.create(**key)
    # A rescheduled event is a new key: the reminder may go out again for the new time.
    ReminderDispatch.objects.create(
        **{**key, "event_starts_at": event.starts_at + timedelta(days=2)}
    )


@pytest.mark.parametrize(
    "rule", ["FREQ=MONTHLY;BYDAY=1TU", "RRULE:FREQ=WEEKLY;BYDAY=WE", "freq=monthly;bymonthday=15"]
)
def test_valid_recurrence_rules(rule):
    validate_rrule(rule)


@pytest.mark.parametrize(
    "rule", ["", "FREQ=SECONDLY", "FREQ=MONTHLY;BYDAY=9XX", "<script>", "FREQ=DAILY"]
)
def test_invalid_recurrence_rules(rule):
    with pytest.raises(ValidationError):
        validate_rrule(rule)


def test_series_duration_positive():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventSeries.objects.create(
            title="联席会议",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            first_starts_at=timezone.now(),
            duration=timedelta(0),
        )


def test_event_transitions():
    assert set(EVENT_TRANSITIONS) == set(EventStatus.values)
    assert EVENT_TRANSITIONS[EventStatus.CANCELLED] == frozenset()


def test_one_occurrence_per_series_slot():
    series = EventSeries.objects.create(
        title="联席会议", rrule="FREQ=MONTHLY;BYDAY=1TU", first_starts_at=timezone.now()
    )
    slot = timezone.now() + timedelta(days=7)
    EventFactory(series=series, series_slot=slot)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(series=series, series_slot=slot)
    # Meetings outside a series, or without a slot, are not constrained.
    EventFactory(series_slot=slot)
    EventFactory(series=series)
    EventFactory(series=series)


def test_each_event_has_its_own_calendar_uid():
    first, second = EventFactory(), EventFactory()
    assert first.uid and second.uid and first.uid != second.uid
    assert first.sequence == 0


def test_checked_in_by_needs_a_check_in_time():
    invitation = InvitationFactory()
    invitation.checked_in_by = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        invitation.save()
    invitation.checked_in_at = timezone.now()
    invitation.save()


def test_one_active_calendar_feed_per_person():
    user = UserFactory()
    feed = CalendarFeed.objects.create(user=user)
    assert len(feed.token) >= 40
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(user=user)
    feed.revoked_at = timezone.now()
    feed.save()
    fresh = CalendarFeed.objects.create(user=user)
    assert fresh.token != feed.token
