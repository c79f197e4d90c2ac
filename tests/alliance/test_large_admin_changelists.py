"""Big tables' admin changelists (`alliance.core.paginators.LargeTableAdminMixin`) are rendered by
the admin's own changelist: every such admin, with hostile and missing values, filters,
searches, sorting and pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from alliance.core.models import Notification
from alliance.core.paginators import LargeTableAdminMixin
from events.models import Invitation, Rsvp
from liaisons.models import EscalationLevel, Need, NeedEscalation, NeedStatus, Urgency
from tests import factories

HOSTILE = '<script>alert("x")</script>&\'号'  # fits a name (50 characters)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def superuser_client(client, db):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def _rows(more: int = 26) -> None:
    """Needs, escalations, notifications and invitations with every kind of awkward value."""
    now = timezone.now()
    for n in range(more):  # a second page of needs, older than the awkward ones
        factories.NeedFactory(title=f"流动资金贷款{n}")
    liaison = factories.LiaisonFactory(user__full_name=HOSTILE)
    firm = factories.EnterpriseFactory(name="恒立液压<img src=x onerror=alert(1)>")
    needs = [
        factories.NeedFactory(enterprise=firm, title=HOSTILE, liaison=liaison),
        factories.NeedFactory(title="   ", resolve_due=now + timedelta(days=3)),  # blank text
        factories.NeedFactory(
            status=NeedStatus.IN_PROGRESS,
            urgency=Urgency.RED,
            escalation_level=EscalationLevel.SUPERVISE,
        ),
        factories.NeedFactory(category="not-a-category"),  # a value outside the choices
    ]
    for need in needs[:2]:
        NeedEscalation.objects.create(need=need, level=EscalationLevel.URGE, due_at=now)
    user = factories.UserFactory(full_name=HOSTILE)
    Notification.objects.create(recipient=user, kind="test", title=HOSTILE, url="/")
    Notification.objects.create(recipient=user, kind="test", title="", url="/", read_at=now)
    event = factories.EventFactory(title=HOSTILE)
    factories.InvitationFactory(event=event, user=user, rsvp=Rsvp.ACCEPTED)
    factories.InvitationFactory(event=event)


def _large_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, LargeTableAdminMixin)
    ]


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_big_tables_use_the_admins_own_changelist():
    names = {model for model, _admin in _large_admins()}
    assert {Need, NeedEscalation, Notification, Invitation} <= names
    for _model, model_admin in _large_admins():
        assert model_admin.change_list_template is None


# Any changelist: pages, sorting (ignored where no index gives it), a hostile search.
QUERIES = ["", "?q=%3Cscript%3E", "?o=1", "?o=-1", "?p=2"]
# The need changelist's filters: kept in every row's link (`_changelist_filters`).
NEED_QUERIES = ["?status__exact=submitted", "?urgency__exact=red&escalation_level__exact=3"]


@pytest.mark.parametrize("query", QUERIES + NEED_QUERIES)
def test_every_big_changelist_renders_its_rows_escaped(superuser_client, query):
    _rows()
    for model, _model_admin in _large_admins():
        if query in NEED_QUERIES and model is not Need:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        html = _page(superuser_client, url + query)
        assert 'id="result_list"' in html and "<script>alert" not in html, model
        if query in NEED_QUERIES:
            assert "_changelist_filters=" in html


def test_the_need_rows_escape_and_show_empty_values(superuser_client):
    _rows()
    html = superuser_client.get(reverse("admin:liaisons_need_changelist")).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    # The need without a liaison and the need outside the category choices show Django's "-".
    assert '<td class="field-liaison nowrap">-</td>' in html
    assert '<td class="field-category">-</td>' in html
    # The first column links to the change page.
    need = Need.objects.get(category="not-a-category")
    link = reverse("admin:liaisons_need_change", args=[need.pk])
    assert f'<th class="field-number"><a href="{link}">{need.number}</a></th>' in html
