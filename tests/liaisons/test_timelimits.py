import pytest

from liaisons.models import NeedCategory, NeedTimeLimit, Urgency
from liaisons.needs.timelimits import ensure_default_time_limits

pytestmark = pytest.mark.django_db


def test_every_category_and_urgency_has_the_design_defaults():
    assert NeedTimeLimit.objects.count() == len(NeedCategory.values) * len(Urgency.values)
    heavy_green = NeedTimeLimit.objects.get(category=NeedCategory.FINANCING, urgency=Urgency.GREEN)
    assert heavy_green.resolve_hours == 15 * 8  # 15 working days
    assert heavy_green.extension_max_hours == 10 * 8
    red_policy = NeedTimeLimit.objects.get(
        category=NeedCategory.PARTY_BUILDING, urgency=Urgency.RED
    )
    assert (red_policy.accept_hours, red_policy.sign_hours) == (2, 2)
    assert red_policy.first_contact_hours == 4
    assert red_policy.resolve_hours == 8
    assert red_policy.rating_hours == 16
    hiring_yellow = NeedTimeLimit.objects.get(category=NeedCategory.HIRING, urgency=Urgency.YELLOW)
    assert (hiring_yellow.sign_hours, hiring_yellow.resolve_hours) == (4, 5 * 8)


def test_ensuring_defaults_keeps_staff_edits_and_restores_missing_rows():
    edited = NeedTimeLimit.objects.get(category=NeedCategory.SITES, urgency=Urgency.RED)
    edited.resolve_hours = 3 * 8
    edited.save()
    NeedTimeLimit.objects.filter(category=NeedCategory.CLOUD, urgency=Urgency.GREEN).delete()
    assert ensure_default_time_limits() == 1
    edited.refresh_from_db()
    assert edited.resolve_hours == 3 * 8
    assert NeedTimeLimit.objects.filter(category=NeedCategory.CLOUD, urgency=Urgency.GREEN).exists()
    assert ensure_default_time_limits() == 0
