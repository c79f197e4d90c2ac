"""The demo data shows the trace both ways: a need linked to a resource and turned into an action
item, and meeting decisions with their action items."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from alliance.core.models import User
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
    assert need.events.filter(action=NeedEventAction.ACTION_ITEM).exists()
    decision = Decision.objects.filter(action_item__isnull=False).select_related("event").first()
    assert decision is not None

    client.force_login(User.objects.get(username="staff"))
    detail = client.get(reverse("action_items:action-item-detail", args=[item.pk])).content.decode()
    assert f'href="/needs/{need.pk}/"' in detail
    assert "产业链供需对接服务" in detail
    need_page = client.get(reverse("liaisons:need-detail", args=[need.pk])).content.decode()
    assert f'href="/action-items/{item.pk}/"' in need_page
    from_meeting = client.get(
        reverse("action_items:action-item-detail", args=[decision.action_item_id])
    ).content.decode()
    assert decision.event.title in from_meeting


FRAGMENTS = ("业上云", "辅导及", "需对接", "化改造", "业用", "配套企", "业提")


@override_settings(DEBUG=True)
def test_the_demo_suggestions_name_whole_words_only():
    from liaisons.resources.services import suggest_resources

    with translation.override("en"):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    reasons = {}
    with translation.override("zh-hans"):
        for need in Need.objects.exclude(status="draft"):
            for suggestion in suggest_resources(need):
                reasons[need.number, suggestion.resource.title] = suggestion.reason
    assert len(reasons) > 50
    for key, reason in reasons.items():
        words = reason.split("共同词：", 1)[1].split("；", 1)[0] if "共同词：" in reason else ""
        assert not set(words.split("、")) & set(FRAGMENTS), (key, reason)
    assert reasons["XQ-2026-00012", "企业上云"] == (
        "同属「企业上云」类；共同词：系统上云、企业上云、补贴、生产"
    )
    assert reasons["XQ-2026-00013", "专精特新梯度培育申报辅导"] == "共同词：辅导、申报"
    assert reasons["XQ-2026-00020", "产业链供需对接服务"] == "共同词：对接、配套"
    assert reasons["XQ-2026-00011", "利链惠链政策包·资金奖补"] == (
        "共同词：智能、改造；属利链惠链政策包"
    )
    # 工业用地 ≠ 企业用工: no longer suggested on the bigram 业用 alone.
    assert ("XQ-2026-00008", "企业用工专场招聘") not in reasons
