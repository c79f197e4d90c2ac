"""Small fixes found on the screenshots: chart legends and list separators."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liaisons.models import ActionItemParticipant
from liaisons.needs import kpis
from tests import factories

pytestmark = pytest.mark.django_db


def test_no_pie_series_is_named_like_one_of_its_slices(staff_client):
    """ECharts colours a legend entry named like its series with the series colour: the member
    donut's series was 成员企业, which is also a slice (ordinary members)."""
    chain = factories.IndustryChainFactory()
    factories.ChainMembershipFactory.create_batch(2, chain=chain)
    html = staff_client.get(reverse("dashboard:overview")).content.decode()
    source = re.search(
        r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html, re.S
    )
    charts = json.loads(source.group(1))
    pies = [spec for spec in charts.values() if spec["kind"] == "pie"]
    assert pies
    for spec in pies:
        series = spec["series"][0]
        assert series["name"] not in {row["name"] for row in series["data"]}


def test_participants_are_listed_with_a_chinese_separator(db):
    owner = factories.UserFactory()
    item = factories.ActionItemFactory(owner=owner)
    for name in ("常州甲有限公司", "常州乙有限公司"):
        ActionItemParticipant.objects.create(
            action_item=item, enterprise=factories.EnterpriseFactory(name=name)
        )
    client = Client()
    client.force_login(owner)
    for url in (
        reverse("action_items:action-item-list"),
        reverse("action_items:action-item-detail", args=[item.pk]),
    ):
        html = client.get(url).content.decode()
        assert re.search(r"常州(甲|乙)有限公司、</span>", html), url


def test_kpi_counts_is_public_and_documented():
    assert kpis.kpi_counts.__doc__
    assert {"needs", "open", "overdue", "sign_on_time", "satisfied"} <= set(
        kpis.kpi_counts(timezone.now())
    )
