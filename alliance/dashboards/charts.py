"""Chart descriptions for static/js/dashboard.js, built from `alliance.dashboards.figures`.

Each chart is a small JSON-able dict (categories, series with a kind, an axis and a unit); the
script turns it into an ECharts option. The same numbers are printed in the page's tables, so the
JSON carries nothing the tables do not show. Labels are translated here, once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from alliance.templatetags.dashboard import trim_decimal

PERCENT = "%"


def _num(value: Decimal | int | float | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(trim_decimal(value))
    return value


def _month_label(month) -> str:
    return month.strftime("%Y-%m")


def _tally_chart(rows, *, kind: str = "bar", horizontal: bool = False, name: str = "") -> dict:
    if kind == "pie":
        return {
            "kind": "pie",
            "series": [
                {
                    "name": name,
                    "kind": "pie",
                    "data": [{"name": row.label, "value": row.count} for row in rows if row.count],
                }
            ],
        }
    return {
        "kind": "bar",
        "horizontal": horizontal,
        "categories": [row.label for row in rows],
        "axes": [{"name": _("count"), "unit": ""}],
        "series": [{"name": name, "kind": "bar", "data": [row.count for row in rows]}],
    }


def rates_chart(rates: dict) -> dict:
    months = rates["months"]
    return {
        "kind": "line",
        "categories": [_month_label(m.month) for m in months],
        "axes": [{"name": PERCENT, "unit": PERCENT, "max": 100}],
        "floor": {"value": 85, "name": _("Satisfaction floor 85%")},
        "series": [
            {
                "name": _("On-time sign-for"),
                "kind": "line",
                "unit": PERCENT,
                "data": [m.on_time_sign.percent for m in months],
            },
            {
                "name": _("On-time resolution"),
                "kind": "line",
                "unit": PERCENT,
                "data": [m.on_time_resolve.percent for m in months],
            },
            {
                "name": _("Satisfaction"),
                "kind": "line",
                "unit": PERCENT,
                "data": [m.satisfaction.percent for m in months],
            },
        ],
    }


def meetings_chart(meetings: dict) -> dict:
    months = meetings["months"]
    return {
        "kind": "bar",
        "categories": [_month_label(m.month) for m in months],
        "axes": [
            {"name": _("meetings"), "unit": ""},
            {"name": PERCENT, "unit": PERCENT, "max": 100},
        ],
        "series": [
            {"name": _("Meetings held"), "kind": "bar", "data": [m.held for m in months]},
            {
                "name": _("Attendance rate"),
                "kind": "line",
                "axis": 1,
                "unit": PERCENT,
                "data": [m.attendance.percent for m in months],
            },
        ],
    }


def output_chart(indicators: dict) -> dict:
    rows = indicators["series"]
    yi = _("100 million yuan")
    return {
        "kind": "bar",
        "categories": [str(row.period_label) for row in rows],
        "axes": [{"name": yi, "unit": yi}, {"name": PERCENT, "unit": PERCENT}],
        "series": [
            {
                "name": _("Above-scale output value"),
                "kind": "bar",
                "unit": yi,
                "data": [_num(row.output_value) for row in rows],
            },
            {
                "name": _("Year-on-year growth"),
                "kind": "line",
                "axis": 1,
                "unit": PERCENT,
                "data": [_num(row.yoy_growth) for row in rows],
            },
        ],
    }


def projects_chart(projects: dict) -> dict:
    years = projects["chart_years"]
    labels = [bucket.label for bucket in projects["buckets"]]
    return {
        "kind": "bar",
        "categories": labels,
        "axes": [{"name": _("projects"), "unit": ""}],
        "series": [
            {
                "name": str(year["year"]),
                "kind": "bar",
                "data": [bucket.count for bucket in year["buckets"]],
            }
            for year in years
        ],
    }


def _latest(row: dict, field: str):
    return _num(getattr(row["latest"], field)) if row["latest"] else None


def chains_chart(rows: list[dict]) -> dict:
    """Park overview: each chain's latest output value and its growth."""
    yi = _("100 million yuan")
    return {
        "kind": "bar",
        "categories": [row["chain"].name for row in rows],
        "axes": [{"name": yi, "unit": yi}, {"name": PERCENT, "unit": PERCENT}],
        "series": [
            {
                "name": _("Latest above-scale output value"),
                "kind": "bar",
                "unit": yi,
                "data": [_latest(row, "output_value") for row in rows],
            },
            {
                "name": _("Year-on-year growth"),
                "kind": "line",
                "axis": 1,
                "unit": PERCENT,
                "data": [_latest(row, "yoy_growth") for row in rows],
            },
        ],
    }


def dashboard_charts(data: dict[str, Any]) -> dict[str, dict]:
    """Every chart of a dashboard (chain or park), keyed by the id its container names."""
    charts = {
        # Not "Member firms": ECharts colours a legend entry named like its series (成员企业 is
        # also a role) with the series colour instead of the slice's.
        "members": _tally_chart(
            data["members"]["by_role"], kind="pie", name=_("Member firms by role")
        ),
        "needs-status": _tally_chart(
            [row for row in data["needs"]["by_status"] if row.count],
            horizontal=True,
            name=_("Needs"),
        ),
        "needs-category": _tally_chart(
            [row for row in data["needs"]["by_category"] if row.count],
            horizontal=True,
            name=_("Needs"),
        ),
        "rates": rates_chart(data["rates"]),
        "meetings": meetings_chart(data["meetings"]),
        "action-items": _tally_chart(
            data["action_items"]["by_status"], kind="pie", name=_("Action items")
        ),
        "projects": projects_chart(data["projects"]),
    }
    if "indicators" in data:
        charts["output"] = output_chart(data["indicators"])
    if "chains" in data:
        charts["chains"] = chains_chart(data["chains"])
    return charts


def map_chart(chain_map: dict, *, firm_urls: dict[int, str]) -> dict:
    """The chain map as an ECharts graph: firms by role, links marked local (就近配套) or not."""
    roles = [("leader", _("Chain-leader firm")), ("core_supplier", _("Core supplier"))]
    roles.append(("member", _("Member")))
    index = {role: i for i, (role, _label) in enumerate(roles)}
    nodes = [
        {
            "id": str(m.enterprise_id),
            "name": m.enterprise.display_name,
            "fullName": m.enterprise.name,
            "category": index.get(m.role, len(roles) - 1),
            "leader": m.role == "leader",
            "url": firm_urls.get(m.enterprise_id, ""),
        }
        for m in chain_map["memberships"]
    ]
    links = [
        {
            "source": str(link.supplier_id),
            "target": str(link.customer_id),
            "local": link.is_local,
            "products": link.products,
        }
        for link in chain_map["links"]
    ]
    return {
        "categories": [label for _role, label in roles],
        "nodes": nodes,
        "links": links,
        "labels": {
            "local": _("Local supply (就近配套)"),
            "remote": _("Supply from outside the park"),
        },
    }
