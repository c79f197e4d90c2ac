"""Every URL of the project, with hostile values in the path, the query and the posted fields:
never a 5xx, for anonymous visitors, park staff, a secretary and a liaison.

The walk reads the resolver (get_resolver().url_patterns, the admin included), so a route added
later is walked without being listed here; a route whose parameters the walk cannot fill with a
real object fails `test_the_walk_reaches_every_route` until it is taught below.

For each route and role:
1. a plain GET and POST with real objects in the path show which parameters the view reads
   (`ReadKeys` records the QueryDict lookups) and whether it gets past a 405 or the sign-in;
2. each hostile value goes under those parameters (plus `EXTRA_KEYS` and, for an admin list,
   each of its filters alone): in the query of a GET, in the body of a POST;
3. each hostile value goes into each path parameter, kept to the values its converter lets
   through plus one it refuses (that one only checks that the resolver answers 404).
A view that never sees the values (405, sign-in page) gets two of them, a POST six (a form
refuses the whole post at its first bad field), an admin page two: rotating through the list
from one route to the next, so that every value still meets every kind of page.

Each request runs in a savepoint that is rolled back, so every request meets the same data and
an error in the database (a NUL sent to PostgreSQL) cannot poison the ones after it. Exceptions
are collected with their tracebacks, not stopped at: one run lists every failure.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from alliance.core.models import Notification
from alliance.reports.figures import last_finished_week, weekly_report_generate
from events.models import CalendarFeed, EventSeries, Invitation
from liaisons.models import ActionItemMilestone, NeedAttachment, NeedStatus
from tests import factories
from tests.liaisons.conftest import World, build_world, make_need, pdf_bytes

# --- Hostile values ---------------------------------------------------------------------------

LONG = "a" * 10_000
# As they appear in a URL (percent-encoded where a browser would encode them).
HOSTILE_QUERY = [
    "%00",
    "abc%00def",
    LONG,
    "../../../etc/passwd",
    "..%2f..%2fsecret",
    quote("\u202eexe.pdf"),
    "abc",
    "-1",
    "99999999999999999999",
    quote("🙂🇨🇳"),
    "1e9999",
]
HOSTILE_PATH = [
    "%00",
    "x%00y",
    LONG,
    "..%2f..%2f",
    "..",
    quote("\u202ebad"),
    "abc",
    "-1",
    "99999999999999999999",
    quote("🙂"),
]
# Values that a converter lets through and that a view could still choke on.
CONVERTER_EXTRAS = {
    "int": ["0", "2147483648", "9223372036854775808", "9" * 30, "9" * 5000],
    "weekdate": ["0001-01-01", "9999-12-31", "2026-02-30", "0000-00-00"],
    "slug": ["-", "_" * 200, LONG],
    "feedtoken": ["A" * 64, "-" * 43],
}
POST_SAMPLE = 6  # hostile values per posted form (rotating, so each value meets every form kind)
ADMIN_SAMPLE = 2  # hostile values per admin page and kind of request
LOGIN_PATH = "/accounts/login/"
ADMIN_LOGIN_PATH = "/admin/login/"

# Parameters sent to every route besides those its view is seen reading (some are read only
# when present, or by the admin's list as a whole).
EXTRA_KEYS = [
    "page",
    "next",
    "q",
    "o",
    "p",
    "_popup",
    "_to_field",
    "_changelist_filters",
]


# --- The routes -------------------------------------------------------------------------------


@dataclass
class Param:
    name: str  # keyword, or "1", "2"… for an unnamed regex group
    converter: str  # converter name, or "regex"
    regex: str


@dataclass
class Route:
    """A route as a list of literal text and parameters."""

    parts: list[str | Param]
    callback: object
    name: str  # "namespace:name", or the bare name
    admin: bool = False
    params: list[Param] = field(default_factory=list)

    def url(self, values: dict[str, str]) -> str:
        return "/" + "".join(
            part if isinstance(part, str) else values[part.name] for part in self.parts
        )


_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _route_parts(pattern: RoutePattern) -> list[str | Param]:
    route = str(pattern._route)
    parts: list[str | Param] = []
    position = 0
    for match in _ROUTE_PARAM.finditer(route):
        parts.append(route[position : match.start()])
        converter_name = match["converter"] or "str"
        converter = pattern.converters[match["name"]]
        parts.append(Param(match["name"], converter_name, converter.regex))
        position = match.end()
    parts.append(route[position:])
    return [p for p in parts if p != ""]


def _regex_parts(pattern: RegexPattern) -> list[str | Param]:
    """Literal text and groups of a route's regex, e.g. ^([^/]+)/history/([^/]+)/$."""
    regex = str(pattern._regex).removeprefix("^").removesuffix("$")
    parts: list[str | Param] = []
    literal = ""
    index, unnamed = 0, 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            literal += regex[index + 1]
            index += 2
        elif char == "(":
            depth, end = 1, index + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[end], 0)
                end += 1
            body = regex[index + 1 : end - 1]
            named = re.match(r"\?P<(\w+)>", body)
            if named:
                name, body = named[1], body[named.end() :]
            else:
                unnamed += 1
                name = str(unnamed)
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(Param(name, "regex", body))
            index = end
        else:
            literal += char
            index += 1
    if literal:
        parts.append(literal)
    return parts


def _parts(pattern) -> list[str | Param]:
    if isinstance(pattern, RoutePattern):
        return _route_parts(pattern)
    return _regex_parts(pattern)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: list, namespace: str, in_admin: bool) -> None:
        for entry in patterns:
            parts = prefix + _parts(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                walk(
                    entry.url_patterns,
                    parts,
                    ":".join(filter(None, [namespace, ns])),
                    in_admin or ns == "admin",
                )
            elif isinstance(entry, URLPattern):
                name = ":".join(filter(None, [namespace, entry.name or ""]))
                route = Route(parts, entry.callback, name, admin=in_admin)
                route.params = [p for p in parts if isinstance(p, Param)]
                routes.append(route)

    walk(get_resolver().url_patterns, [], "", False)
    return routes


# --- The data ---------------------------------------------------------------------------------


@dataclass
class Data:
    world: World
    real: dict[str, dict[str, str]]  # route name → its parameters filled with a real object
    by_prefix: dict[str, int]  # route name prefix → the pk of the other routes' object
    admin_objects: dict[str, object]  # "app_model" → the model's first row, if any
    admin_filters: dict[str, set[str]]  # changelist route name → its filters' parameters


def build_data() -> Data:
    world = build_world()
    users = world.users
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    attachment = NeedAttachment(
        need=need, original_name="营业执照.pdf", size=100, uploaded_by=users["S1"]
    )
    attachment.file.save("a.pdf", ContentFile(pdf_bytes()), save=False)
    attachment.save()
    event = factories.EventFactory(organizer=users["staff"])
    for role in ("S1", "L1", "staff"):
        factories.InvitationFactory(event=event, user=users[role])
    invitation = Invitation.objects.filter(event=event).order_by("pk").first()
    factories.DecisionFactory(event=event)
    series = EventSeries.objects.create(
        title="工程机械产业链联席会议",
        rrule="FREQ=MONTHLY;BYDAY=1TU",
        first_starts_at=timezone.now() + timedelta(days=30),
    )
    feed = CalendarFeed.objects.create(user=users["S1"])
    resource = factories.DepartmentResourceFactory(department=world.department1)
    item = factories.ActionItemFactory(owner=users["L1"], origin_need=need)
    milestone = ActionItemMilestone.objects.create(
        action_item=item, due_on=timezone.localdate() + timedelta(days=10), text="签约"
    )
    indicator = factories.ChainIndicatorFactory(chain=world.chain1)
    project = factories.SignedProjectFactory(chain=world.chain1, enterprise=world.enterprise1)
    monday = last_finished_week()
    weekly_report_generate(week_start=monday)
    Notification.objects.create(recipient=users["S1"], kind="test", title="测试通知")

    chain = world.chain1.code
    real = {
        "liaisons:liaison-firm-needs": {"enterprise_id": world.enterprise1.pk},
        "liaisons:attachment-download": {"pk": attachment.pk},
        "events:invitation-rsvp": {"pk": invitation.pk},
        "events:invitation-check-in": {"pk": invitation.pk},
        "events:invitation-remove": {"pk": invitation.pk},
        "events:calendar-feed-ics": {"token": feed.token},
        "resources:need-link": {"need_pk": need.pk},
        "resources:need-unlink": {"need_pk": need.pk},
        "dashboard:chain": {"code": chain},
        "dashboard:chain-map": {"code": chain},
        "dashboard:indicator-create": {"code": chain},
        "dashboard:indicator-edit": {"code": chain, "pk": indicator.pk},
        "dashboard:project-list": {"code": chain},
        "dashboard:project-create": {"code": chain},
        "dashboard:project-edit": {"code": chain, "pk": project.pk},
        "dashboard:firm": {"pk": world.enterprise1.pk},
        "action_items:action-item-from-need": {"need_pk": need.pk},
        "action_items:action-item-milestone-done": {"pk": milestone.pk},
        "action-items-moved": {"rest": f"{item.pk}/"},
        "reports:weekly-detail": {"week": monday.isoformat()},
        "reports:weekly-xlsx": {"week": monday.isoformat()},
        "notification-read": {"pk": Notification.objects.get(recipient=users["S1"]).pk},
    }
    # The rest of each app's routes take the pk of the app's main object.
    by_prefix = {
        "liaisons:": need.pk,
        "events:series-": series.pk,
        "events:": event.pk,
        "resources:": resource.pk,
        "action_items:": item.pk,
    }
    admin_objects = {
        f"{model._meta.app_label}_{model._meta.model_name}": model._default_manager.order_by(
            "pk"
        ).first()
        for model in admin.site._registry
    }
    return Data(world, real, by_prefix, admin_objects, admin_filter_parameters())


def admin_filter_parameters() -> dict[str, set[str]]:
    """The parameters of each admin list's filters (status__exact, chain__id__exact…): the
    changelist reads the query as a whole, so the recorder below cannot see them."""
    staff = factories.StaffFactory(username="filter-probe", is_superuser=True)
    names: dict[str, set[str]] = {}
    for model, model_admin in admin.site._registry.items():
        request = RequestFactory().get("/")
        request.user = staff
        changelist = model_admin.get_changelist_instance(request)
        route = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        names[route] = {p for spec in changelist.filter_specs for p in spec.expected_parameters()}
    staff.delete()
    return names


def real_values(route: Route, data: Data) -> dict[str, str]:
    """The route's parameters filled with an object that exists (and that the roles can see)."""
    if not route.params:
        return {}
    if route.name in data.real:
        return {k: str(v) for k, v in data.real[route.name].items()}
    if route.admin:
        return _admin_values(route, data)
    for prefix, pk in data.by_prefix.items():
        if route.name.startswith(prefix) and [p.name for p in route.params] in (
            ["pk"],
            ["need_pk"],
        ):
            return {route.params[0].name: str(pk)}
    raise LookupError(f"no real value for {route.name} {[p.name for p in route.params]}")


def _admin_values(route: Route, data: Data) -> dict[str, str]:
    bare = route.name.removeprefix("admin:")
    obj = next((o for key, o in data.admin_objects.items() if bare.startswith(key + "_")), None)
    values: dict[str, str] = {}
    for param in route.params:
        if param.name in ("object_id", "1", "id"):
            values[param.name] = str(obj.pk if obj is not None else 1)
        elif param.name == "2":  # a history row of that object
            history = getattr(obj, "history", None)
            first = history.order_by("pk").first() if history is not None else None
            values[param.name] = str(first.history_id if first else 1)
        elif param.name == "content_type_id":
            values[param.name] = str(ContentType.objects.get_for_model(data.world.enterprise1).pk)
        elif param.name == "app_label":
            values[param.name] = param.regex.split("|")[0]
        elif param.name == "url":
            values[param.name] = "nowhere/"
        else:
            raise LookupError(f"no real value for {route.name} {param.name}")
    if route.name == "admin:view_on_site":
        values["object_id"] = str(data.world.enterprise1.pk)
    return values


def path_values(param: Param) -> list[str]:
    """The hostile values the parameter's converter lets through, plus one it refuses."""
    candidates = CONVERTER_EXTRAS.get(param.converter, []) + HOSTILE_PATH
    matching = [v for v in candidates if re.fullmatch(param.regex, unquote(v))]
    refused = [v for v in candidates if v not in matching][:1]
    return list(dict.fromkeys(matching + refused))


# --- The walk ---------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


RECORDED = ("__getitem__", "_getlist", "__contains__")


class ReadKeys:
    """The request parameters a view reads (QueryDict lookups), found by a plain request first:
    hostile values are then sent under those keys, so each request carries only what the view
    looks at instead of every name the project knows."""

    def __init__(self) -> None:
        self.keys: set[str] | None = None

    def __enter__(self) -> ReadKeys:
        self.keys = set()
        self._saved = {
            name: getattr(MultiValueDict, name)
            for name in ("__getitem__", "_getlist", "__contains__")
        }
        record = self.keys.add
        getitem, getlist, contains = self._saved.values()

        def __getitem__(qd, key):
            if isinstance(qd, QueryDict) and isinstance(key, str):
                record(key)
            return getitem(qd, key)

        def _getlist(qd, key, *args, **kwargs):
            if isinstance(qd, QueryDict) and isinstance(key, str):
                record(key)
            return getlist(qd, key, *args, **kwargs)

        def __contains__(qd, key):
            if isinstance(qd, QueryDict) and isinstance(key, str):
                record(key)
            return contains(qd, key)

        MultiValueDict.__getitem__ = __getitem__
        MultiValueDict._getlist = _getlist
        MultiValueDict.__contains__ = __contains__
        return self

    def __exit__(self, *exc) -> None:
        for name, method in self._saved.items():
            setattr(MultiValueDict, name, method)


@dataclass
class Walk:
    client: Client
    role: str
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def send(self, method: str, url: str, data: dict | None = None):
        self.requests += 1
        try:
            with transaction.atomic():
                if method == "GET":
                    response = self.client.get(url)
                else:
                    response = self.client.post(url, data or {})
                raise _Rollback(response)
        except _Rollback as done:
            response = done.args[0]
            if response.status_code >= 500:
                self.failures.append(f"{self.role} {method} {url[:200]} → {response.status_code}")
            return response
        except Exception:
            self.failures.append(
                f"{self.role} {method} {url[:200]}\n{traceback.format_exc(limit=-6)}"
            )
            return None

    def discover(self, method: str, url: str) -> tuple[bool, set[str]]:
        """Whether the view takes `method` past the sign-in, and the parameters it reads."""
        with ReadKeys() as read:
            response = self.send(method, url)
        if response is None:
            return True, read.keys
        location = response.get("Location", "") if response.status_code == 302 else ""
        sent_to_sign_in = location.startswith((LOGIN_PATH, ADMIN_LOGIN_PATH))
        return response.status_code != 405 and not sent_to_sign_in, read.keys


def _rotate(values: list[str], start: int, count: int | None) -> list[str]:
    if count is None or count >= len(values):
        return values
    return [values[(start + i) % len(values)] for i in range(count)]


def walk_routes(walk: Walk, routes: list[Route], data: Data) -> None:
    for offset, route in enumerate(routes):
        if route.name in ("logout", "admin:logout"):
            continue  # signing out would end the walk's session; logout is tested on its own
        real = real_values(route, data)
        base = route.url(real)
        filters = data.admin_filters.get(route.name, set())
        keys = set(EXTRA_KEYS) | filters
        methods = {}
        for method in ("GET", "POST"):
            reaches_view, read = walk.discover(method, base)
            keys |= read
            methods[method] = reaches_view
        # The admin's own parameters (_to_field, _popup…) are refused with a 400 before a form
        # is read: they go in the query of the GETs, the fields in the body of the POSTs.
        fields = sorted(k for k in keys if not k.startswith("_"))
        for method, reaches_view in methods.items():
            # Past a 405 or the sign-in page the view never sees the values: two suffice.
            sample = None if reaches_view else 2
            if route.admin and sample is None:
                sample = ADMIN_SAMPLE
            # A form refuses a whole POST for its first bad field: half the values suffice.
            if method == "POST" and sample is None:
                sample = POST_SAMPLE
            for value in _rotate(HOSTILE_QUERY, offset, sample):
                if method == "GET":
                    walk.send("GET", f"{base}?" + "&".join(f"{k}={value}" for k in sorted(keys)))
                else:
                    walk.send("POST", f"{base}?next={value}", {k: unquote(value) for k in fields})
            if method == "GET" and reaches_view:
                # A list refuses all its filters for the first bad one: each is tried alone.
                for index, key in enumerate(sorted(filters)):
                    for value in _rotate(HOSTILE_QUERY, offset + index, 2):
                        walk.send("GET", f"{base}?{key}={value}")
            for param in route.params:
                for value in _rotate(path_values(param), offset, sample):
                    walk.send(method, route.url({**real, param.name: value}))


ROLES = {"anonymous": None, "staff": "staff", "secretary": "S1", "liaison": "L1"}


@pytest.mark.django_db
def test_the_walk_reaches_every_route():
    """The walk's own check: with real values each route resolves to its view (so the hostile
    requests are sent to the views they mean), and no route is left without values."""
    data = build_data()
    routes = all_routes()
    assert len(routes) > 250  # the admin's routes are in
    problems = []
    for route in routes:
        try:
            url = route.url(real_values(route, data))
        except LookupError as error:
            problems.append(str(error))
            continue
        if resolve(url.split("?")[0]).func is not route.callback:
            problems.append(f"{route.name}: {url} resolves elsewhere")
    assert problems == [], "\n".join(problems)


def test_the_key_recorder_sees_what_a_form_reads():
    data, empty = QueryDict("a=1"), QueryDict("")
    with ReadKeys() as read:
        form = forms.Form(data)
        form.fields["title"] = forms.CharField()
        form.is_valid()
        empty.getlist("chains")
        "page" in empty  # noqa: B015
    assert read.keys == {"title", "chains", "page"}
    assert QueryDict("x=1")["x"] == "1"  # restored


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_a_server_error_to_hostile_values(role):
    data = build_data()
    client = Client()
    if ROLES[role]:
        client.force_login(data.world.user(ROLES[role]))
    walk = Walk(client, role)
    walk_routes(walk, all_routes(), data)
    assert walk.requests > 1000
    assert walk.failures == [], f"{len(walk.failures)} of {walk.requests}:\n" + "\n".join(
        walk.failures
    )


OLD_ACTION_ITEMS_PREFIX = "projects"


def test_the_old_action_items_prefix_redirects_with_its_query(client):
    old = OLD_ACTION_ITEMS_PREFIX
    response = client.get(f"/{old}/12/?overdue=on")
    assert response.status_code == 301
    assert response["Location"] == "/action-items/12/?overdue=on"
    assert client.get(f"/{old}/")["Location"] == "/action-items/"
