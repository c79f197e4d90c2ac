"""The demo data shows the trace both ways: a need linked to a resource and turned into an action
item, and meeting decisions with their action items."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from alliance.models import User
from events.models import Decision
from liaisons.models import Need, NeedEventAction

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_trace_both_ways(client):
    with translation.override("en"):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    need = Need.objects.get(number="XQ-2026-00004")
    assert need.resources.filter(title="产业链供需对接服务").exists()
    item = need.action_items.get()
    assert need.events.filter(action=NeedEventAction.PROJECT).exists()
    decision = Decision.objects.filter(action_item__isnull=False).select_related("event").first()
    assert decision is not None

    client.force_login(User.objects.get(username="staff"))
    detail = client.get(reverse("projects:project-detail", args=[item.pk])).content.decode()
    assert f'href="/needs/{need.pk}/"' in detail
    assert "产业链供需对接服务" in detail
    need_page = client.get(reverse("liaisons:need-detail", args=[need.pk])).content.decode()
    assert f'href="/projects/{item.pk}/"' in need_page
    from_meeting = client.get(
        reverse("projects:project-detail", args=[decision.action_item_id])
    ).content.decode()
    assert decision.event.title in from_meeting
