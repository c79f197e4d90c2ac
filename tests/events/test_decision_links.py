"""The meeting page links a decision's action item only for viewers who may open that item."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import EventKind
from liaisons.models import ActionItemParticipant
from tests import factories
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def project_url(item) -> str:
    return reverse("action_items:action-item-detail", args=[item.pk])


@pytest.fixture
def meeting(world):
    """A held joint meeting of the robotics chain with two decisions: one whose action item
    节卡 takes part in (its secretary may open it), one owned by staff alone."""
    event = make_event(
        kind=EventKind.JOINT_MEETING,
        chains=[world.robotics],
        invitees=[world.secretary, world.machinery_secretary, world.liaison],
        starts_in=-timedelta(days=1),
    )
    shared = factories.ActionItemFactory(title="谐波减速器联合攻关", owner=world.liaison)
    ActionItemParticipant.objects.create(action_item=shared, enterprise=world.jaka)
    internal = factories.ActionItemFactory(title=f"园区内部协调{XSS}", owner=world.staff)
    factories.DecisionFactory(event=event, action_item=shared, text="开展联合攻关。", order=1)
    factories.DecisionFactory(event=event, action_item=internal, text="内部协调。", order=2)
    return event, shared, internal


def test_invitee_gets_a_link_only_to_the_items_they_may_open(world, meeting):
    event, shared, internal = meeting
    client = signed_in(world.secretary)
    # The premise: the secretary may open one item and not the other.
    assert client.get(project_url(shared)).status_code == 200
    assert client.get(project_url(internal)).status_code == 404
    html = client.get(reverse("events:event-detail", args=[event.pk])).content.decode()
    assert f'href="{project_url(shared)}"' in html
    assert f'href="{project_url(internal)}"' not in html
    # The decision still says which item follows from it, as text (escaped), without a link.
    assert "园区内部协调&lt;script&gt;" in html
    assert XSS not in html


def test_an_invitee_of_another_chain_gets_no_link_at_all(world, meeting):
    event, shared, internal = meeting
    client = signed_in(world.machinery_secretary)
    html = client.get(reverse("events:event-detail", args=[event.pk])).content.decode()
    assert "谐波减速器联合攻关" in html
    for item in (shared, internal):
        assert f'href="{project_url(item)}"' not in html
        assert client.get(project_url(item)).status_code == 404


def test_the_owner_and_staff_get_the_links_they_may_open(world, meeting):
    event, shared, internal = meeting
    html = signed_in(world.liaison).get(reverse("events:event-detail", args=[event.pk]))
    html = html.content.decode()
    assert f'href="{project_url(shared)}"' in html
    assert f'href="{project_url(internal)}"' not in html
    html = signed_in(world.staff).get(reverse("events:event-detail", args=[event.pk]))
    html = html.content.decode()
    assert f'href="{project_url(shared)}"' in html
    assert f'href="{project_url(internal)}"' in html


def test_the_visibility_check_costs_no_query_per_decision(
    world, meeting, django_assert_max_num_queries
):
    event, _shared, _internal = meeting
    client = signed_in(world.secretary)
    target = reverse("events:event-detail", args=[event.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(target)
    for n in range(20):
        item = factories.ActionItemFactory(owner=world.staff)
        if n % 2:
            ActionItemParticipant.objects.create(action_item=item, enterprise=world.jaka)
        factories.DecisionFactory(event=event, action_item=item, order=10 + n)
    with django_assert_max_num_queries(len(one)):
        response = client.get(target)
    links = [d for d in response.context["decisions"] if d.action_item_visible]
    assert len(response.context["decisions"]) == 22
    assert len(links) == 1 + 10
