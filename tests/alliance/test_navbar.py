"""The navbar offers each role exactly the links it can open, on every page, in one query.

The roles come with the notification bell's unread count (alliance.context_processors): one
query per page whatever the role, and no link leads to a 404.
"""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import now

from alliance.context_processors import notifications
from alliance.core.models import Notification
from alliance.roles import NavbarFacts, navbar_facts, request_is_park_staff
from tests import factories

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard:overview")
REPORTS = reverse("reports:weekly-list")
ADMIN = reverse("admin:index")
ALWAYS = [
    reverse("home"),
    reverse("liaisons:need-list"),
    reverse("resources:resource-list"),
    reverse("action_items:action-item-list"),
    reverse("events:event-list"),
]
# Pages without the home page's role profile: the navbar must still know the roles there.
PAGES = [reverse("events:event-list"), reverse("action_items:action-item-list"), reverse("home")]


@pytest.fixture
def people(db):
    chain = factories.IndustryChainFactory(code="nev", name="新能源汽车")
    chief = factories.UserFactory(username="qianzhiyuan", full_name="钱志远")
    chain.chief = chief
    chain.save()
    head = factories.UserFactory(username="depthead", full_name="王立新")
    department = factories.DepartmentFactory(name="科学技术局", head=head)
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username="liaison"), department=department
    )
    secretary = factories.UserFactory(username="secretary")
    factories.EnterpriseContactFactory(
        user=secretary, enterprise=factories.EnterpriseFactory(primary_chain=chain)
    )
    return {
        "staff": factories.StaffFactory(username="staff"),
        "chief": chief,
        "head": head,
        "liaison": liaison.user,
        "secretary": secretary,
        "nobody": factories.UserFactory(username="nobody"),
    }


# role → (dashboard, weekly reports, admin)
EXPECTED = {
    "staff": (True, True, True),
    "chief": (True, True, False),
    "head": (False, True, False),
    "liaison": (False, False, False),
    "secretary": (False, False, False),
    "nobody": (False, False, False),
}


def navbar_links(html: str) -> set[str]:
    header = html[html.index('<header class="portal-header">') : html.index("</header>")]
    return set(re.findall(r'href="(/[^"]*)"', header))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_sees_the_links_it_may_open_on_every_page(people, role):
    client = signed_in(people[role])
    dashboard, reports, admin = EXPECTED[role]
    for page in PAGES:
        links = navbar_links(client.get(page).content.decode())
        assert set(ALWAYS) <= links, page
        assert (DASHBOARD in links) is dashboard, page
        assert (REPORTS in links) is reports, page
        assert (ADMIN in links) is admin, page


@pytest.mark.parametrize("role", EXPECTED)
def test_no_navbar_link_leads_to_a_404(people, role):
    client = signed_in(people[role])
    for link in navbar_links(client.get(reverse("events:event-list")).content.decode()):
        response = client.get(link, follow=True)
        assert response.status_code == 200, (role, link)


def test_the_data_menu_is_marked_active_on_its_pages(people):
    client = signed_in(people["chief"])
    html = client.get(REPORTS).content.decode()
    assert re.search(
        r'class="nav-link dropdown-toggle active"[^>]*\s+[^>]*id="portal-nav-data"', html
    )
    assert f'class="dropdown-item active" href="{REPORTS}" aria-current="page"' in html
    assert "数据" in html and "周通报" in html and "数据看板" in html


@pytest.mark.parametrize("role", EXPECTED)
def test_the_facts_take_one_query(people, role, django_assert_num_queries):
    user = people[role]
    Notification.objects.create(recipient=user, kind="test", title="t", body="b")
    with django_assert_num_queries(1):
        facts = navbar_facts(user)
    dashboard, reports, admin = EXPECTED[role]
    assert facts.unread == 1
    assert facts.sees_dashboards is dashboard
    assert facts.sees_weekly_reports is reports
    assert facts.is_park_staff is admin
    # The liaison's record, for their queue; nobody else has one.
    liaison = getattr(user, "liaison", None)
    assert facts.liaison_id == (liaison.pk if liaison else None)
    assert facts.is_liaison is (role == "liaison")


def test_a_staff_flag_without_the_group_is_not_park_staff(people):
    user = factories.UserFactory(username="flagonly", is_staff=True)
    assert navbar_facts(user) == NavbarFacts()
    superuser = factories.UserFactory(username="root", is_superuser=True)
    assert navbar_facts(superuser).is_park_staff


def test_the_page_asks_once_for_the_bell_and_the_roles(people):
    """One query reads the unread count and the roles; none of its own asks for a role."""
    client = signed_in(people["chief"])
    client.get(PAGES[0])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(PAGES[0]).content.decode()
    assert DASHBOARD in navbar_links(html)
    nav = [q["sql"] for q in queries if '"alliance_notification"' in q["sql"]]
    assert len(nav) == 1
    assert '"chains_industrychain"' in nav[0] and '"liaisons_department"' in nav[0]


def test_the_query_is_lazy_and_made_once_per_request(people, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = people["chief"]
    context = notifications(request)
    with django_assert_num_queries(1):
        assert context["portal_nav"].sees_dashboards
        assert context["unread_notification_count"] == 0
        assert request_is_park_staff(request) is False
    request.user = AnonymousUser()
    assert notifications(request) == {}


def test_the_facts_query_does_not_grow_with_the_rows_the_roles_reach(
    people, django_assert_num_queries
):
    """A person holding every role many times over: still one query, the same facts."""
    user = people["chief"]
    for code in ("a", "b", "c"):
        factories.IndustryChainFactory(code=f"extra-{code}", name=f"链{code}", chief=user)
    for n in range(3):
        factories.DepartmentFactory(name=f"部门{n}", head=user)
        factories.EnterpriseContactFactory(user=user)
    for n in range(30):
        Notification.objects.create(
            recipient=user, kind="test", title=f"t{n}", body="b", read_at=None if n % 3 else now()
        )
    with django_assert_num_queries(1):
        facts = navbar_facts(user)
    assert facts.unread == 20
    assert facts.chairs_chain and facts.heads_department and facts.is_secretary
    assert not facts.is_liaison and not facts.is_park_staff
