"""alliance.core.routes.id_urls: the URLs `reverse` gives, with `reverse` run once."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix

from alliance.core import routes
from liaisons.models import Need, NeedStatus
from tests import factories
from tests.admin_helpers import admin_url


@pytest.mark.parametrize("prefix", ["/", "/hongchain/", "/园区 park/"])
@pytest.mark.parametrize(
    ("viewname", "current_app"),
    [("liaisons:need-detail", None), ("admin:liaisons_need_change", "admin")],
)
def test_the_urls_are_those_of_reverse(prefix, viewname, current_app):
    try:
        set_script_prefix(prefix)
        url = routes.id_urls(viewname, current_app=current_app)
        for pk in (1, 7, 987654321, 10**12):
            assert url(pk) == reverse(viewname, args=[pk], current_app=current_app)
    finally:
        set_script_prefix("/")


def test_a_route_writing_its_id_twice_is_reversed_each_time(monkeypatch):
    calls = []

    def twice(viewname, args, current_app=None):
        calls.append(args[0])
        return f"/x/{args[0]}/{args[0]}/"

    monkeypatch.setattr(routes, "reverse", twice)
    url = routes.id_urls("anything")
    assert url(5) == "/x/5/5/" and url(6) == "/x/6/6/"
    assert calls == [routes._PROBE, 5, 6]


@pytest.mark.django_db
def test_the_need_changelist_links_each_row_to_its_change_page(staff_client):
    needs = [factories.NeedFactory(status=NeedStatus.SUBMITTED) for _ in range(3)]
    html = staff_client.get(admin_url(Need, "changelist")).content.decode()
    for need in needs:
        assert f'href="{reverse("admin:liaisons_need_change", args=[need.pk])}"' in html
