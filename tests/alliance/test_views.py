"""The portal shell: the home page per role, the sign-in pages, error pages and the health check."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.core.models import WorkerHeartbeat
from enterprises.models import ChainMembership, EnterpriseContact, PartyOrganization
from tests import factories

pytestmark = pytest.mark.django_db

HOME = "/"


def english(client):
    """UI labels are asserted in the English source text, which stays stable when the zh-hans
    catalogue is filled in; Chinese demo data is the same in both languages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def list_item_containing(html: str, text: str) -> str:
    for block in re.findall(r"<li\b[^>]*>(.*?)</li>", html, re.S):
        if text in block:
            return block
    raise AssertionError(f"no <li> contains {text!r}")


@pytest.fixture
def world():
    """Two chains, three firms, one person per role and one person holding several roles."""
    chief = factories.UserFactory(username="chief", full_name="施文杰")
    machinery = factories.IndustryChainFactory(
        code="machinery",
        name="工程机械",
        alliance_name="工程机械产业链党建联盟",
        alliance_founded_on=date(2026, 8, 15),
        chief=chief,
        order=3,
    )
    nev = factories.IndustryChainFactory(
        code="nev", name="新能源汽车", alliance_name="新能源汽车产业链党建联盟", order=1
    )
    hengli = factories.EnterpriseFactory(
        name="江苏恒立液压股份有限公司",
        primary_chain=machinery,
        is_above_scale=True,
        is_listed=True,
        stock_code="601100",
    )
    liugong = factories.EnterpriseFactory(name="柳工常州机械有限公司", primary_chain=machinery)
    jinchuang = factories.EnterpriseFactory(name="今创集团股份有限公司", primary_chain=nev)
    factories.ChainMembershipFactory(
        chain=machinery, enterprise=hengli, role=ChainMembership.Role.CORE_SUPPLIER
    )
    factories.ChainMembershipFactory(chain=nev, enterprise=hengli)
    factories.ChainMembershipFactory(
        chain=machinery, enterprise=liugong, role=ChainMembership.Role.LEADER
    )
    factories.PartyOrganizationFactory(
        enterprise=hengli,
        kind=PartyOrganization.Kind.COMMITTEE,
        name="江苏恒立液压股份有限公司党委",
        secretary_name="钱佳",
        member_count=186,
        brand="先锋恒立",
        work_method="三恒三立",
    )
    secretary = factories.UserFactory(username="secretary", full_name="钱佳")
    factories.EnterpriseContactFactory(user=secretary, enterprise=hengli)

    science = factories.DepartmentFactory(name="科学技术局", phone="0519-86661234")
    liaison_user = factories.UserFactory(username="liaison", full_name="宋飞洋")
    liaison = factories.LiaisonFactory(
        user=liaison_user, department=science, phone="13912345678", expertise="企业党建、融资"
    )
    factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=hengli, is_primary=True)
    factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=jinchuang, is_primary=False)
    # An ended assignment is history, not a current duty.
    factories.LiaisonAssignmentFactory(
        liaison=liaison,
        enterprise=liugong,
        is_primary=False,
        since=date(2025, 1, 1),
        until=timezone.localdate() - timedelta(days=1),
    )
    factories.TaskForceMembershipFactory(liaison=liaison, chain=machinery, is_lead=True)

    head = factories.UserFactory(username="depthead", full_name="王敏")
    science.head = head
    science.save()
    return {
        "chief": chief,
        "secretary": secretary,
        "liaison": liaison_user,
        "head": head,
        "machinery": machinery,
        "hengli": hengli,
        "science": science,
    }


def get_home(client, user):
    client.force_login(user)
    response = english(client).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


# --- Access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_home_refuses_post(client, plain_user):
    client.force_login(plain_user)
    assert client.post(HOME).status_code == 405


# --- One page per role ----------------------------------------------------------------------


def test_secretary_sees_enterprise_chains_party_organizations_and_liaison(client, world):
    html = get_home(client, world["secretary"])
    assert "Enterprise party secretary / contact" in html
    assert "江苏恒立液压股份有限公司" in html
    assert "Your post: Party secretary" in html
    assert "601100" in html
    # Both chains, each with the firm's role in it, in the chains' display order.
    assert "新能源汽车 · Member" in html
    assert "工程机械 · Core supplier" in html
    assert html.index("新能源汽车 · Member") < html.index("工程机械 · Core supplier")
    organization = list_item_containing(html, "江苏恒立液压股份有限公司党委")
    assert "Party committee" in organization
    assert "186 party members" in organization
    assert "先锋恒立" in organization
    assert "三恒三立" in organization
    # Whom to call: the firm's primary liaison.
    assert "宋飞洋" in html
    assert "13912345678" in html
    # Not someone else's roles.
    assert "Red chain liaison</span>" not in html
    assert "Chain chief" not in html
    assert reverse("admin:index") not in html


def test_liaison_sees_department_and_assigned_firms_with_primary_marked(client, world):
    html = get_home(client, world["liaison"])
    assert "Red chain liaison" in html
    assert "科学技术局" in html
    assert "企业党建" in html
    assert "融资" in html
    primary = list_item_containing(html, "江苏恒立液压股份有限公司")
    assert "Primary liaison" in primary
    assert "工程机械" in primary  # the firm's primary chain
    supporting = list_item_containing(html, "今创集团股份有限公司")
    assert "Primary liaison" not in supporting
    assert "Supporting liaison" in supporting
    # The ended assignment is not a current duty.
    assert "柳工常州机械有限公司" not in html
    # Primary firms come first.
    assert html.index("江苏恒立液压股份有限公司") < html.index("今创集团股份有限公司")
    # 一链一专班: the task force they lead.
    assert "Chain task force" in html
    assert "lead" in html
    assert "Enterprise party secretary / contact" not in html


def test_chain_chief_sees_the_chains_they_chair(client, world):
    html = get_home(client, world["chief"])
    item = list_item_containing(html, "工程机械产业链党建联盟")
    assert "工程机械" in item
    assert "2 member firms" in item
    assert "新能源汽车产业链党建联盟" not in html


def test_department_head_sees_their_department(client, world):
    factories.LiaisonFactory(department=world["science"], is_active=False)
    html = get_home(client, world["head"])
    assert "Department head" in html
    item = list_item_containing(html, "科学技术局")
    assert "1 active red chain liaison" in item  # the inactive one is not counted
    assert "0519-86661234" in item


def test_park_staff_sees_the_admin_link(client, staff_user):
    html = get_home(client, staff_user)
    assert "Park party-work staff" in html
    assert f'href="{reverse("admin:index")}"' in html


def test_staff_flag_without_the_park_staff_group_is_not_park_staff(client):
    user = factories.UserFactory(is_staff=True)
    html = get_home(client, user)
    assert f'href="{reverse("admin:index")}"' not in html
    assert "Your account is not linked to the alliance yet" in html


def test_user_without_a_role_gets_an_explanation_and_whom_to_ask(client, plain_user):
    html = get_home(client, plain_user)
    assert "Your account is not linked to the alliance yet" in html
    assert "Party-Mass Work Department" in html
    assert "<strong>nobody</strong>" in html  # the username to give them
    assert f'href="{reverse("admin:index")}"' not in html


def test_several_roles_are_all_shown(client, world):
    person = world["liaison"]
    world["machinery"].chief = person
    world["machinery"].save()
    world["science"].head = person
    world["science"].save()
    EnterpriseContact.objects.create(user=person, enterprise=world["hengli"])
    html = get_home(client, person)
    for role in (
        "Red chain liaison",
        "Chain chief",
        "Department head",
        "Enterprise party secretary / contact",
    ):
        assert f'<span class="badge portal-role-badge">{role}</span>' in html
    assert "工程机械产业链党建联盟" in html
    assert "Your account is not linked" not in html


def test_user_text_is_escaped(client):
    chain = factories.IndustryChainFactory(name="<b>链</b>")
    enterprise = factories.EnterpriseFactory(name="<script>alert('x')</script>恒立")
    factories.ChainMembershipFactory(chain=chain, enterprise=enterprise)
    factories.PartyOrganizationFactory(
        enterprise=enterprise, brand='"><img src=x onerror=alert(1)>'
    )
    user = factories.UserFactory(full_name="<img src=x onerror=alert(2)>")
    factories.EnterpriseContactFactory(user=user, enterprise=enterprise)
    html = get_home(client, user)
    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    assert "<b>链</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;恒立" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;b&gt;链&lt;/b&gt;" in html


# --- Query budget ---------------------------------------------------------------------------


def count_home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def test_liaison_home_queries_do_not_grow_with_assigned_firms(client, django_assert_num_queries):
    liaison = factories.LiaisonFactory()
    factories.LiaisonAssignmentFactory(liaison=liaison)
    one = count_home_queries(client, liaison.user)
    for _ in range(9):
        factories.LiaisonAssignmentFactory(liaison=liaison)
    # session, user, contacts, liaison + department, assignments + firms + chains,
    # task forces + chains, chaired chains (counted), headed departments (counted),
    # unread notifications (the bell), the calendar horizon (holidays entered ahead), the
    # liaison's need counts, upcoming meetings
    client.force_login(liaison.user)
    with django_assert_num_queries(12):
        response = client.get(HOME)
    assert one == 12
    assert response.content.decode().count('class="badge badge-primary-liaison"') == 10


def test_secretary_and_chief_home_queries_do_not_grow_with_chains_and_organizations(
    client, django_assert_num_queries
):
    user = factories.UserFactory()
    enterprise = factories.EnterpriseFactory()
    factories.EnterpriseContactFactory(user=user, enterprise=enterprise)
    factories.ChainMembershipFactory(
        enterprise=enterprise, chain=factories.IndustryChainFactory(chief=user)
    )
    factories.PartyOrganizationFactory(enterprise=enterprise, name="第1党支部")
    factories.LiaisonAssignmentFactory(enterprise=enterprise)
    one = count_home_queries(client, user)
    for n in range(2, 11):
        chain = factories.IndustryChainFactory(chief=user)
        factories.ChainMembershipFactory(enterprise=enterprise, chain=chain)
        factories.PartyOrganizationFactory(enterprise=enterprise, name=f"第{n}党支部")
        second = factories.EnterpriseFactory()
        factories.EnterpriseContactFactory(user=user, enterprise=second)
        factories.ChainMembershipFactory(enterprise=second, chain=chain)
    # session, user, contacts + firms, their memberships + chains, their party organizations,
    # their primary liaisons (+ user, department), liaison (none), chaired chains (counted),
    # headed departments (counted), unread notifications (the bell), the secretary's need
    # counts, the chief's supervision counts and escalations, upcoming meetings
    client.force_login(user)
    with django_assert_num_queries(14):
        response = client.get(HOME)
    assert one == 14
    assert response.content.decode().count('class="portal-card-title" id="role-enterprise-') == 10


# --- Sign-in, sign-out and password pages -----------------------------------------------------


def test_login_page_renders_the_form_in_the_shell(client):
    response = english(client).get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert "After 5 wrong passwords the account is locked for 15 minutes." in html
    # The shell: Bootstrap and icons from the npm packages, the language switcher.
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html
    assert "/static/vendor/bootstrap/js/bootstrap.bundle.min.js" in html
    assert "/static/vendor/bootstrap-icons/bootstrap-icons.min.css" in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="zh-hans"' in html
    assert 'value="en"' in html


def test_pages_are_chinese_unless_english_was_chosen(client):
    assert '<html lang="zh-hans">' in client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in english(client).get(reverse("login")).content.decode()


def test_language_switch_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(reverse("login")).content.decode()


def test_wrong_password_shows_an_error(client, plain_user):
    response = english(client).post(
        reverse("login"), {"username": "nobody", "password": "wrong-password-1"}
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_goes_home(client, plain_user):
    response = client.post(
        reverse("login"), {"username": "nobody", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(plain_user.pk)


def test_login_follows_a_safe_next_but_not_an_external_one(client, plain_user):
    data = {"username": "nobody", "password": "correct-horse-battery"}
    response = client.post(reverse("login"), {**data, "next": "/accounts/password/"})
    assert response["Location"] == "/accounts/password/"
    client.logout()
    response = client.post(reverse("login"), {**data, "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("home")


def test_signed_in_user_sees_the_user_menu(client, plain_user):
    client.force_login(plain_user)
    html = english(client).get(HOME).content.decode()
    assert "路人甲" in html
    assert f'href="{reverse("password_change")}"' in html
    logout_form = re.search(r'<form method="post" action="/accounts/logout/".*?</form>', html, re.S)
    assert logout_form is not None
    assert "csrfmiddlewaretoken" in logout_form.group(0)


def test_logout_confirms_on_the_login_page(client, plain_user):
    client.force_login(plain_user)
    response = english(client).post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "You have signed out." in response.content.decode()


def test_password_change_pages(client, plain_user):
    client.force_login(plain_user)
    response = english(client).get(reverse("password_change"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="old_password"' in html
    assert 'name="new_password1"' in html
    assert "at least 12 characters" in html  # the validators' help text
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "Lian-hong-2026",
            "new_password2": "Lian-hong-2026",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    assert "Your password has been changed" in response.content.decode()
    plain_user.refresh_from_db()
    assert plain_user.check_password("Lian-hong-2026")


def test_password_change_shows_field_errors(client, plain_user):
    client.force_login(plain_user)
    response = english(client).post(
        reverse("password_change"),
        {"old_password": "not-my-password", "new_password1": "x", "new_password2": "y"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in html
    assert 'class="form-control is-invalid"' in html
    plain_user.refresh_from_db()
    assert plain_user.check_password("correct-horse-battery")


def test_password_change_requires_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Messages and error pages -----------------------------------------------------------------


def test_messages_are_bootstrap_alerts(rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    html = render_to_string(
        "includes/_messages.html",
        {"messages": [Message(constants.ERROR, "出错了"), Message(constants.SUCCESS, "已保存")]},
    )
    assert 'class="alert alert-danger alert-dismissible fade show"' in html
    assert 'class="alert alert-success alert-dismissible fade show"' in html


def test_404_page_is_friendly(client, plain_user):
    client.force_login(plain_user)
    response = english(client).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "portal-navbar" in html
    assert f'href="{reverse("home")}"' in html


def test_404_page_for_anonymous_visitors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "portal-error-code" in response.content.decode()


def test_403_page_is_friendly(rf, plain_user):
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = plain_user
    response = permission_denied(request, exception=None)
    html = response.content.decode()
    assert response.status_code == 403
    assert "portal-error-code" in html
    assert "403" in html


def test_500_page_renders_without_a_request():
    # Django renders 500.html with an empty context; it must not need a user or the database.
    html = render_to_string("500.html")
    assert "500" in html
    assert "bootstrap.min.css" in html
    assert "<form" not in html


# --- Health -----------------------------------------------------------------------------------


def test_health_reports_database_and_worker(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "worker_last_seen": None}
    seen = timezone.now().replace(microsecond=0)
    WorkerHeartbeat.objects.create(name="worker", last_seen_at=seen)
    body = client.get(reverse("health")).json()
    assert body["worker_last_seen"] == seen.isoformat()
    assert "no-cache" in response["Cache-Control"]


def test_health_refuses_post(client):
    assert client.post(reverse("health")).status_code == 405


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
