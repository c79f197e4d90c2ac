"""Admin: an action item's status only moves on its /action-items/ page; resources keep history."""

import pytest
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from liaisons.admin import ActionItemAdmin, DepartmentResourceAdmin
from liaisons.models import ActionItem, ActionItemStatus, DepartmentResource
from tests import factories
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

MOVED_ON_THE_PAGE = ("status", "cancel_reason", "overdue_warned_for")


def _change_data(item: ActionItem, **fields) -> dict:
    data = {
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "owner": str(item.owner_id),
        "due_date": item.due_date.isoformat(),
        "outcome": "",
        "outcome_amount": "",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
        "progress_reports-TOTAL_FORMS": "0",
        "progress_reports-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def test_status_cancel_reason_and_overdue_record_are_read_only():
    assert set(MOVED_ON_THE_PAGE) <= set(ActionItemAdmin.readonly_fields)


def test_change_page_shows_the_status_and_points_to_the_projects_page(staff_client):
    item = factories.ActionItemFactory(owner=factories.UserFactory(), title="谐波减速器联合攻关")
    content = staff_client.get(admin_url(ActionItem, "change", item.pk)).content.decode()
    for name in MOVED_ON_THE_PAGE:
        assert f'name="{name}"' not in content, name
    assert "计划中" in content or str(ActionItemStatus.PLANNED.label) in content
    target = reverse("action_items:action-item-detail", args=[item.pk])
    assert f'href="{target}"' in content
    assert "行动项目页面" in content


def test_add_page_has_no_status_and_points_to_the_list(staff_client):
    content = staff_client.get(admin_url(ActionItem, "add")).content.decode()
    for name in MOVED_ON_THE_PAGE:
        assert f'name="{name}"' not in content, name
    assert f'href="{reverse("action_items:action-item-list")}"' in content


def test_a_posted_status_is_ignored_and_the_rest_is_saved(staff_client):
    item = factories.ActionItemFactory(owner=factories.UserFactory())
    response = staff_client.post(
        admin_url(ActionItem, "change", item.pk),
        _change_data(
            item,
            title="改过的标题",
            status=ActionItemStatus.DONE,
            cancel_reason="<script>alert(1)</script>",
            overdue_warned_for="2026-01-01",
        ),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    item.refresh_from_db()
    assert item.title == "改过的标题"
    assert item.status == ActionItemStatus.PLANNED
    assert item.cancel_reason == ""
    assert item.overdue_warned_for is None


def test_department_resource_admin_keeps_history(staff_client):
    assert issubclass(DepartmentResourceAdmin, SimpleHistoryAdmin)
    resource = factories.DepartmentResourceFactory(title="利链惠链政策包")
    resource.title = "利链惠链政策包（2026版）"
    resource.save()
    change = staff_client.get(admin_url(DepartmentResource, "change", resource.pk))
    history_url = admin_url(DepartmentResource, "history", resource.pk)
    assert f'href="{history_url}"' in change.content.decode()
    response = staff_client.get(history_url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "利链惠链政策包（2026版）" in content
    assert resource.history.count() == 2
