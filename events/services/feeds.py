"""A person's private calendar subscription link."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.core.models import User
from events.models import CalendarFeed


def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    """The person's active feed, created on first use (two clicks at once get the same one)."""
    feed = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user)
    except IntegrityError:
        # The partial unique constraint: another request created it first.
        return CalendarFeed.objects.get(user=user, revoked_at__isnull=True)


@transaction.atomic
def calendar_feed_revoke(*, user: User, now: datetime | None = None) -> int:
    """Stop the person's current link from working (a new one can then be created)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
