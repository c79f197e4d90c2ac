"""Role × URL × method for every dashboard page: chain chiefs see their chains, staff see
all, others are refused.

The world is the needs pages' two-sided one (tests/liaisons/conftest.py): chain 1 (machinery,
chief C1) with firm E1, chain 2 (nev, chief C2) with firm E2; secretaries S1/S2, liaisons L1/L2,
department heads H1/H2, park staff, an outsider with no role, and an anonymous visitor. Targets
belong to side 1: the chain `machinery`, its firm E1, its figures I1 and its project P1.

Codes: 200 page; 302 anonymous → sign-in, a chief's /dashboard/ → their chain, a saved form →
the chain dashboard; 404 out of scope or not this role's page (nothing tells an outsider the page
exists); 405 wrong method.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from alliance.dashboards import urls as dashboard_urls
from chains.models import ChainIndicator, PeriodKind
from enterprises.models import SignedProject
from tests import factories
from tests.liaisons.conftest import build_world

pytestmark = pytest.mark.django_db

ROLES = ("anon", "outsider", "S1", "S2", "L1", "L2", "C1", "C2", "H1", "H2", "staff")

TABLE = """
url name          target method anon outsider S1  S2  L1  L2  C1  C2  H1  H2  staff
overview          -      GET    302  404      404 404 404 404 302 302 404 404 200
overview          -      POST   302  405      405 405 405 405 405 405 405 405 405
chain             C      GET    302  404      404 404 404 404 200 404 404 404 200
chain             C      POST   302  405      405 405 405 405 405 405 405 405 405
chain             X      GET    302  404      404 404 404 404 404 404 404 404 404
chain-map         C      GET    302  404      404 404 404 404 200 404 404 404 200
chain-map         C      POST   302  405      405 405 405 405 405 405 405 405 405
firm              E1     GET    302  404      404 404 404 404 200 404 404 404 200
firm              E1     POST   302  405      405 405 405 405 405 405 405 405 405
indicator-create  C      GET    302  404      404 404 404 404 404 404 404 404 200
indicator-create  C      POST   302  404      404 404 404 404 404 404 404 404 302
indicator-edit    I1     GET    302  404      404 404 404 404 404 404 404 404 200
indicator-edit    I1     POST   302  404      404 404 404 404 404 404 404 404 302
indicator-edit    I2     GET    302  404      404 404 404 404 404 404 404 404 404
project-list      C      GET    302  404      404 404 404 404 404 404 404 404 200
project-list      C      POST   302  405      405 405 405 405 405 405 405 405 405
project-create    C      GET    302  404      404 404 404 404 404 404 404 404 200
project-create    C      POST   302  404      404 404 404 404 404 404 404 404 302
project-edit      P1     GET    302  404      404 404 404 404 404 404 404 404 200
project-edit      P1     POST   302  404      404 404 404 404 404 404 404 404 302
project-edit      P2     GET    302  404      404 404 404 404 404 404 404 404 404
"""


def cases() -> list[tuple[str, str, str, str, int]]:
    result = []
    for line in TABLE.strip().splitlines()[1:]:
        name, target, method, *codes = line.split()
        assert len(codes) == len(ROLES), line
        result.extend(
            (name, target, method, role, int(code)) for role, code in zip(ROLES, codes, strict=True)
        )
    return result


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def targets(world):
    indicator = factories.ChainIndicatorFactory(chain=world.chain1, year=2025)
    project = factories.SignedProjectFactory(chain=world.chain1, name="液压件扩产项目")
    # I2 / P2: figures and a project of chain 2, reached through chain 1's URL (swapped ids).
    other_indicator = factories.ChainIndicatorFactory(chain=world.chain2, year=2025)
    other_project = factories.SignedProjectFactory(chain=world.chain2, name="电池项目")
    return {
        "C": world.chain1.code,
        "X": "no-such-chain",
        "E1": world.enterprise1.pk,
        "I1": indicator.pk,
        "I2": other_indicator.pk,
        "P1": project.pk,
        "P2": other_project.pk,
    }


def url_for(name: str, target: str, targets: dict) -> str:
    code = targets["C"]
    if target == "-":
        return reverse(f"dashboard:{name}")
    if name == "firm":
        return reverse("dashboard:firm", args=[targets[target]])
    if name in ("indicator-edit", "project-edit"):
        return reverse(f"dashboard:{name}", args=[code, targets[target]])
    return reverse(f"dashboard:{name}", args=[targets[target]])


def payload(name: str) -> dict:
    if name.startswith("indicator"):
        return {
            "year": 2025,
            "period_kind": PeriodKind.HALF,
            "period_index": 2,
            "output_value": "250.5",
            "yoy_growth": "12.3",
        }
    if name.startswith("project"):
        return {"name": "新能源装备项目", "investment": "35", "signed_on": "2026-03-01"}
    return {}


def snapshot() -> dict:
    return {
        "indicators": list(ChainIndicator.objects.order_by("pk").values()),
        "projects": list(SignedProject.objects.order_by("pk").values()),
    }


@pytest.mark.parametrize(
    ("name", "target", "method", "role", "expected"),
    cases(),
    ids=[f"{n}-{t}-{m}-{r}" for n, t, m, r, _ in cases()],
)
def test_matrix(client, world, targets, name, target, method, role, expected):
    if role != "anon":
        client.force_login(world.users[role])
    url = url_for(name, target, targets)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, payload(name))
    assert response.status_code == expected, f"{role} {method} {url}"
    if role == "anon":
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == 302:
        assert response["Location"] == reverse("dashboard:chain", args=[world.chain1.code]) or (
            name == "overview" and response["Location"].startswith("/dashboard/chains/")
        )
    if method == "POST" and (expected != 302 or role == "anon"):
        assert snapshot() == before, f"{role} {method} {url} changed the database"


def test_every_dashboard_url_is_in_the_matrix():
    names = {p.name for p in dashboard_urls.urlpatterns if isinstance(p, URLPattern)}
    in_table = {line.split()[0] for line in TABLE.strip().splitlines()[1:]}
    assert names == in_table


def test_a_chief_of_two_chains_chooses_and_sees_both(client, world):
    world.chain2.chief = world.users["C1"]
    world.chain2.save()
    client.force_login(world.users["C1"])
    response = client.get(reverse("dashboard:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    for chain in (world.chain1, world.chain2):
        assert reverse("dashboard:chain", args=[chain.code]) in html
        assert client.get(reverse("dashboard:chain", args=[chain.code])).status_code == 200
    assert client.get(reverse("dashboard:firm", args=[world.enterprise2.pk])).status_code == 200


def test_a_chief_reaches_a_firm_through_any_of_its_chains(client, world):
    """E2 joins chain 1 as well: C1 may open it, and sees only links to firms in scope."""
    factories.ChainMembershipFactory(chain=world.chain1, enterprise=world.enterprise2)
    outside = factories.EnterpriseFactory(name="常州链外配套有限公司", primary_chain=world.chain2)
    factories.SupplyLinkFactory(supplier=outside, customer=world.enterprise2, products="紧固件")
    factories.SupplyLinkFactory(
        supplier=world.enterprise1, customer=world.enterprise2, products="油缸"
    )
    client.force_login(world.users["C1"])
    response = client.get(reverse("dashboard:firm", args=[world.enterprise2.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("dashboard:firm", args=[world.enterprise1.pk]) in html
    assert "常州链外配套有限公司" in html
    assert reverse("dashboard:firm", args=[outside.pk]) not in html
    assert client.get(reverse("dashboard:firm", args=[outside.pk])).status_code == 404


def test_firm_need_counts_follow_the_viewers_scope(client, world):
    """A chief counts only the needs they may see: the firm's needs filed under their chain."""
    from liaisons.models import NeedStatus
    from tests.liaisons.conftest import make_need

    factories.ChainMembershipFactory(chain=world.chain1, enterprise=world.enterprise2)
    make_need(enterprise=world.enterprise2, status=NeedStatus.SUBMITTED)  # chain 2's need
    make_need(enterprise=world.enterprise2, status=NeedStatus.SUBMITTED, chain=world.chain1)
    url = reverse("dashboard:firm", args=[world.enterprise2.pk])
    client.force_login(world.users["C1"])
    assert client.get(url).context["profile"]["needs"]["total"] == 1
    client.force_login(world.users["staff"])
    assert client.get(url).context["profile"]["needs"]["total"] == 2


def test_an_inactive_chief_is_refused(client, world):
    chief = world.users["C1"]
    chief.is_active = False
    chief.save()
    client.force_login(chief)
    assert client.get(reverse("dashboard:chain", args=[world.chain1.code])).status_code in (
        302,
        404,
    )


@pytest.mark.parametrize(
    ("name", "target"),
    [("indicator-create", "C"), ("indicator-edit", "I1"), ("project-create", "C")],
)
def test_csrf_token_is_required(world, targets, name, target):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["staff"])
    before = snapshot()
    response = client.post(url_for(name, target, targets), payload(name))
    assert response.status_code == 403
    assert snapshot() == before


def test_extra_post_fields_cannot_move_a_row_to_another_chain(client, world, targets):
    client.force_login(world.users["staff"])
    url = url_for("project-edit", "P1", targets)
    response = client.post(url, {**payload("project-edit"), "chain": world.chain2.pk})
    assert response.status_code == 302
    project = SignedProject.objects.get(pk=targets["P1"])
    assert project.chain == world.chain1
    assert project.investment == Decimal("35")
