"""Staff entry of a chain's figures and signed projects: valid, wrong, missing, oversized, hostile
and out-of-scope input; a duplicate period is a form error, never a 500."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.dashboards.forms import ChainIndicatorForm, period_start
from alliance.dashboards.services import (
    FigureConflict,
    chain_indicator_save,
    signed_project_save,
)
from chains.models import ChainIndicator, PeriodKind
from enterprises.models import SignedProject
from tests import factories

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def chain(db):
    return factories.IndustryChainFactory(code="nev", name="新能源汽车")


@pytest.fixture
def staff_client(client, db):
    client.force_login(factories.StaffFactory())
    return client


def indicator_url(chain, pk=None):
    if pk is None:
        return reverse("dashboard:indicator-create", args=[chain.code])
    return reverse("dashboard:indicator-edit", args=[chain.code, pk])


def project_url(chain, pk=None):
    if pk is None:
        return reverse("dashboard:project-create", args=[chain.code])
    return reverse("dashboard:project-edit", args=[chain.code, pk])


def figures(**overrides) -> dict:
    data = {
        "year": 2025,
        "period_kind": PeriodKind.HALF,
        "period_index": 1,
        "output_value": "464.1",
        "yoy_growth": "137.8",
        "new_projects": "14",
        "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def project(**overrides) -> dict:
    data = {"name": "动力电池系统二期项目", "investment": "35", "signed_on": "2026-02-26"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Figures ---------------------------------------------------------------------------------


def test_staff_record_figures(staff_client, chain):
    response = staff_client.post(indicator_url(chain), figures())
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:chain", args=["nev"])
    row = ChainIndicator.objects.get(chain=chain)
    assert (row.year, row.period_kind, row.period_index) == (2025, PeriodKind.HALF, 1)
    assert row.output_value == Decimal("464.10")
    assert row.yoy_growth == Decimal("137.80")
    assert row.new_projects == 14
    page = staff_client.get(response["Location"]).content.decode()
    assert "经济指标已保存。" in page
    assert "464.1亿元" in page


def test_staff_edit_figures_keeping_their_period(staff_client, chain):
    row = factories.ChainIndicatorFactory(chain=chain, year=2025, output_value=Decimal("1"))
    response = staff_client.post(indicator_url(chain, row.pk), figures(output_value="2.5"))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.output_value == Decimal("2.50")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"year": None}, "year"),
        ({"year": "abc"}, "year"),
        ({"year": "1999"}, "year"),
        ({"year": str(date.today().year + 1)}, "year"),
        ({"period_kind": "decade"}, "period_kind"),
        ({"period_kind": None}, "period_kind"),
        ({"period_index": "3"}, "period_index"),  # a half-year is 1 or 2
        ({"period_kind": PeriodKind.QUARTER, "period_index": "5"}, "period_index"),
        ({"period_kind": PeriodKind.YEAR, "period_index": "2"}, "period_index"),
        ({"period_kind": PeriodKind.MONTH, "period_index": "13"}, "period_index"),
        ({"period_index": "0"}, "period_index"),
        ({"output_value": "-1"}, "output_value"),
        ({"output_value": "1.234"}, "output_value"),
        ({"output_value": "100000"}, "output_value"),
        ({"output_value": "9" * 40}, "output_value"),
        ({"output_value": "NaN"}, "output_value"),
        ({"output_value": XSS}, "output_value"),
        ({"yoy_growth": "-100.01"}, "yoy_growth"),
        ({"yoy_growth": "10000.01"}, "yoy_growth"),
        ({"yoy_growth": "Infinity"}, "yoy_growth"),
        ({"new_projects": "-1"}, "new_projects"),
        ({"new_projects": "10001"}, "new_projects"),
        ({"notes": "x" * 2001}, "notes"),
        ({"output_value": "", "yoy_growth": "", "new_projects": ""}, "output_value"),
    ],
)
def test_wrong_figures_are_refused_with_a_message(staff_client, chain, overrides, field):
    response = staff_client.post(indicator_url(chain), figures(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not ChainIndicator.objects.exists()
    assert 'class="invalid-feedback"' in response.content.decode()


def test_a_period_that_has_not_begun_is_refused(chain):
    today = date(2026, 11, 26)
    form = ChainIndicatorForm(
        figures(year=2026, period_kind=PeriodKind.MONTH, period_index=12), chain=chain, today=today
    )
    assert not form.is_valid()
    assert form.errors["period_index"] == ["该统计期尚未开始。"]
    form = ChainIndicatorForm(
        figures(year=2026, period_kind=PeriodKind.HALF, period_index=2), chain=chain, today=today
    )
    assert form.is_valid(), form.errors
    assert period_start(2026, PeriodKind.QUARTER, 4) == date(2026, 10, 1)


def test_a_duplicate_period_is_a_form_error_not_a_500(staff_client, chain):
    factories.ChainIndicatorFactory(chain=chain, year=2025, period_index=1)
    response = staff_client.post(indicator_url(chain), figures())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "本产业链已录入该统计期的数据，请修改已有数据。"
    ]
    assert ChainIndicator.objects.count() == 1
    # Another chain may hold the same period.
    other = factories.IndustryChainFactory(code="robotics")
    assert staff_client.post(indicator_url(other), figures()).status_code == 302


def test_editing_onto_another_existing_period_is_refused(staff_client, chain):
    factories.ChainIndicatorFactory(chain=chain, year=2025, period_index=1)
    second = factories.ChainIndicatorFactory(chain=chain, year=2025, period_index=2)
    response = staff_client.post(indicator_url(chain, second.pk), figures(period_index="1"))
    assert response.status_code == 200
    second.refresh_from_db()
    assert second.period_index == 2


def test_the_race_on_a_duplicate_period_is_a_form_error(staff_client, chain, monkeypatch):
    """Two staff save the same period at once: the loser's form says so."""

    def racing_save(**kwargs):
        factories.ChainIndicatorFactory(chain=chain, year=2025, period_index=1)
        return chain_indicator_save(**kwargs)

    monkeypatch.setattr("alliance.dashboards.views.chain_indicator_save", racing_save)
    response = staff_client.post(indicator_url(chain), figures())
    assert response.status_code == 200
    assert "他人刚刚保存了相同内容，请核对后重试。" in response.content.decode()
    assert ChainIndicator.objects.count() == 1


def test_service_refuses_a_duplicate(chain):
    staff = factories.StaffFactory()
    data = {
        "year": 2025,
        "period_kind": PeriodKind.HALF,
        "period_index": 1,
        "output_value": Decimal("1"),
        "yoy_growth": None,
        "new_projects": None,
        "notes": "",
    }
    chain_indicator_save(chain=chain, data=data, actor=staff)
    with pytest.raises(FigureConflict):
        chain_indicator_save(chain=chain, data=data, actor=staff)
    assert ChainIndicator.objects.count() == 1


def test_notes_with_markup_are_stored_as_text(staff_client, chain):
    response = staff_client.post(indicator_url(chain), figures(notes=XSS))
    assert response.status_code == 302
    row = ChainIndicator.objects.get()
    assert row.notes == XSS
    page = staff_client.get(indicator_url(chain, row.pk)).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_the_edit_form_shows_the_current_figures(staff_client, chain):
    row = factories.ChainIndicatorFactory(chain=chain, year=2025, output_value=Decimal("88.50"))
    html = staff_client.get(indicator_url(chain, row.pk)).content.decode()
    assert 'value="88.50"' in html
    assert '<option value="half" selected>' in html


# --- Signed projects -------------------------------------------------------------------------


def test_staff_record_and_edit_a_signed_project(staff_client, chain):
    firm = factories.EnterpriseFactory(primary_chain=chain)
    factories.ChainMembershipFactory(chain=chain, enterprise=firm)
    response = staff_client.post(project_url(chain), project(enterprise=firm.pk))
    assert response.status_code == 302
    row = SignedProject.objects.get()
    assert (row.chain, row.enterprise, row.investment) == (chain, firm, Decimal("35"))
    assert row.size_bucket == SignedProject.SizeBucket.OVER_30
    response = staff_client.post(project_url(chain, row.pk), project(investment="120"))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.size_bucket == SignedProject.SizeBucket.OVER_100
    assert row.enterprise is None
    listing = staff_client.get(reverse("dashboard:project-list", args=["nev"])).content.decode()
    assert "动力电池系统二期项目" in listing
    assert "120亿元" in listing


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "项" * 201}, "name"),
        ({"investment": None}, "investment"),
        ({"investment": "-0.01"}, "investment"),
        ({"investment": "1.005"}, "investment"),
        ({"investment": "10000"}, "investment"),
        ({"investment": "1e400"}, "investment"),
        ({"investment": XSS}, "investment"),
        ({"signed_on": None}, "signed_on"),
        ({"signed_on": "2026-02-30"}, "signed_on"),
        ({"signed_on": "1999-12-31"}, "signed_on"),
        ({"signed_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "signed_on"),
        ({"enterprise": "999999"}, "enterprise"),
        ({"enterprise": "abc"}, "enterprise"),
    ],
)
def test_wrong_projects_are_refused_with_a_message(staff_client, chain, overrides, field):
    response = staff_client.post(project_url(chain), project(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not SignedProject.objects.exists()


def test_a_firm_of_another_chain_cannot_be_named(staff_client, chain):
    other = factories.IndustryChainFactory(code="robotics")
    outsider = factories.EnterpriseFactory(primary_chain=other)
    factories.ChainMembershipFactory(chain=other, enterprise=outsider)
    response = staff_client.post(project_url(chain), project(enterprise=outsider.pk))
    assert response.status_code == 200
    assert "enterprise" in response.context["form"].errors
    assert outsider.name not in response.content.decode()  # not even offered


def test_a_duplicate_project_name_is_a_form_error(staff_client, chain):
    factories.SignedProjectFactory(chain=chain, name="动力电池系统二期项目")
    response = staff_client.post(project_url(chain), project())
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["本产业链已有同名项目。"]
    assert SignedProject.objects.count() == 1


def test_a_hostile_project_name_is_escaped_everywhere(staff_client, chain):
    response = staff_client.post(project_url(chain), project(name=XSS))
    assert response.status_code == 302
    row = SignedProject.objects.get()
    assert row.name == XSS
    for url in (reverse("dashboard:project-list", args=["nev"]), project_url(chain, row.pk)):
        html = staff_client.get(url).content
        assert b"<script>alert" not in html
        assert b"onerror=alert(1)>" not in html


def test_an_edit_of_another_chains_project_is_404(staff_client, chain):
    other = factories.IndustryChainFactory(code="robotics")
    theirs = factories.SignedProjectFactory(chain=other, investment=Decimal("5"))
    response = staff_client.post(project_url(chain, theirs.pk), project())
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.investment == Decimal("5")


def test_project_service_refuses_a_duplicate_name(chain):
    staff = factories.StaffFactory()
    data = {
        "name": "同名项目",
        "enterprise": None,
        "investment": Decimal("1"),
        "signed_on": date(2026, 1, 5),
    }
    signed_project_save(chain=chain, data=data, actor=staff)
    with pytest.raises(FigureConflict):
        signed_project_save(chain=chain, data=data, actor=staff)
