"""Need numbers: XQ-<year>-<5 digits>, one counter row per year."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone

from liaisons.models import Need, NeedCounter

PREFIX = "XQ"


def format_need_number(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:05d}"


def need_number_next(*, now: datetime | None = None) -> str:
    """Hand out the next number of the current (Beijing) year.

    The increment is one UPDATE on the year's counter row: the database holds that row's lock
    until the caller's transaction ends, so concurrent creations queue on it and never read the
    same value. A rolled-back creation gives its number back; a gap would only be cosmetic.
    """
    year = timezone.localtime(now or timezone.now()).year
    with transaction.atomic():
        # get_or_create survives two first needs of a year racing to insert the row: the loser's
        # insert fails inside a savepoint and it reads the winner's row instead. A new row starts
        # after the highest number already in use (needs loaded as demo, bulk or imported data).
        NeedCounter.objects.get_or_create(year=year, defaults={"last": _highest_in_use(year)})
        while True:
            NeedCounter.objects.filter(year=year).update(last=F("last") + 1)
            last = NeedCounter.objects.filter(year=year).values_list("last", flat=True).get()
            number = format_need_number(year, last)
            # Numbers written past the counter (data loaded later) are skipped, never reused.
            if not Need.objects.filter(number=number).exists():
                return number


def _highest_in_use(year: int) -> int:
    prefix = f"{PREFIX}-{year}-"
    # Longest first: past 99999 the numbers grow a digit and text order alone would be wrong.
    highest = (
        Need.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    suffix = highest[len(prefix) :] if highest else ""
    return int(suffix) if suffix.isdigit() else 0
