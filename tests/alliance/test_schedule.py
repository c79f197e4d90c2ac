"""A year's holiday schedule entered in one form: read from the pasted notice, previewed, saved
only when every line reads, and the year marked complete; running needs follow."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from alliance.core.models import CalendarDay, CalendarYear
from alliance.core.schedule import MAX_LINES, parse_schedule
from alliance.core.tasks import send_notification_email
from alliance.core.workcalendar import unknown_years_ahead, year_is_known
from liaisons import tasks
from tests.liaisons.test_recount import DISPATCHED, DUE, ESTIMATED_DUE, dispatched
from tests.liaisons.test_services import make_world

pytestmark = pytest.mark.django_db

URL = reverse("admin:alliance_calendarday_schedule")
NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。
二、春节：2月6日（周六）至13日（周六）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。
2027-10-01 至 2027-10-07 国庆节 放假
2027-09-26 上班
"""


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch.object(send_notification_email, "apply_async"):
        yield


@pytest.fixture
def recount_runs():
    with mock.patch.object(
        tasks.recount_need_deadlines,
        "apply_async",
        side_effect=lambda *args, **kwargs: tasks.recount_need_deadlines.run(),
    ) as queued:
        yield queued


def post(client, text: str, *, save: bool = False, year: int = 2027, complete: bool = True):
    data = {"year": str(year), "schedule": text, "_save" if save else "_preview": "1"}
    if complete:
        data["complete"] = "on"
    return client.post(URL, data)


def problems(response) -> list[tuple[int | None, str]]:
    return [(problem.line, problem.message) for problem in response.context["problems"]]


# --- Reading the text -------------------------------------------------------------------------


def test_the_notice_lines_and_plain_lines_are_read():
    read = parse_schedule(
        NOTICE_2027 + "上班：2027-10-09\n2027-05-01、2027-05-02 劳动节 休息", year=2027
    )
    assert read.problems == []
    days = {day.day: (day.is_workday, day.name) for day in read.days}
    assert days[date(2027, 1, 1)] == days[date(2027, 1, 3)] == (False, "元旦")
    assert [d for d, (work, _name) in days.items() if d.month == 2 and not work] == [
        date(2027, 2, d) for d in range(6, 14)
    ]
    assert days[date(2027, 2, 14)] == days[date(2027, 2, 20)] == (True, "春节调休上班")
    assert days[date(2027, 9, 26)] == (True, "调休上班")
    assert days[date(2027, 10, 9)] == (True, "调休上班")
    assert days[date(2027, 5, 2)] == (False, "劳动节")
    assert len([d for d, (work, _name) in days.items() if d.month == 10 and d.day <= 7]) == 7


def test_a_date_both_off_and_working_is_refused_with_both_lines():
    read = parse_schedule("2027-02-07 春节 放假\n\n2027-02-07 上班", year=2027)
    assert read.days == []
    assert [(p.line, p.message) for p in read.problems] == [
        (3, "2027-02-07 is a day off on line 1 and a working day here.")
    ]
    # Within one line too: the make-up day inside the holiday's own range.
    read = parse_schedule("春节：2月6日至13日放假。2月7日上班。", year=2027)
    assert [(p.line, p.message) for p in read.problems] == [
        (1, "2027-02-07 is a day off on line 1 and a working day here.")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30 放假", "“2027-02-30” is not a date."),
        ("2027-13-01 放假", "“2027-13-01” is not a date."),
        ("2026-12-31 放假", "2026-12-31 is not in 2027."),
        ("2028年1月1日 放假", "2028-01-01 is not in 2027."),
        (
            "2027-01-05 至 2027-01-01 放假",
            "The range 2027-01-05 – 2027-01-01 ends before it starts.",
        ),
        (
            "2027-01-01 至 2027-03-01 放假",
            "The range 2027-01-01 – 2027-03-01 is longer than 31 days.",
        ),
        ("2027-01-01", "Say whether these dates are days off (放假) or working days (上班)."),
        ("元旦放假", "No date on this line (e.g. 2027-01-01, 2027年1月1日 or 1月1日)."),
        (
            "<script>alert(1)</script>",
            "No date on this line (e.g. 2027-01-01, 2027年1月1日 or 1月1日).",
        ),
        (
            '2027-01-01 <img src=x onerror="alert(1)"> 放假',
            "The festival's name “<img src=x onerror=\"” may hold only letters, digits and spaces.",
        ),
        ("2027-01-01 " + "元" * 60 + " 放假", "The festival's name is longer than 50 characters."),
    ],
)
def test_each_bad_line_is_named_and_nothing_is_read(text, message):
    read = parse_schedule(f"2027-10-01 国庆节 放假\n{text}", year=2027)
    assert [(p.line, p.message) for p in read.problems] == [(2, message)]
    assert read.days == []


def test_an_empty_or_huge_text_is_refused_as_a_whole():
    assert [p.message for p in parse_schedule("  \n\n", year=2027).problems] == [
        "No dates were found: paste the schedule's lines."
    ]
    huge = "2027-01-01 元旦 放假\n" * 10_000
    (problem,) = parse_schedule(huge, year=2027).problems
    assert problem.line is None
    assert f"fits in {MAX_LINES} lines" in problem.message


# --- The admin form -----------------------------------------------------------------------------


def test_the_calendar_list_links_to_the_form(staff_client):
    html = staff_client.get(reverse("admin:alliance_calendarday_changelist")).content.decode()
    assert f'href="{URL}"' in html


def test_the_preview_shows_every_day_and_saves_nothing(staff_client):
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=True, name="值班")
    CalendarDay.objects.create(date=date(2027, 6, 18), is_workday=False, name="园区活动日")
    response = post(staff_client, NOTICE_2027)
    assert response.status_code == 200
    assert problems(response) == []
    preview = response.context["preview"]
    assert (preview["holidays"], preview["workdays"]) == (18, 3)
    states = {row.day: row.state for row in preview["rows"]}
    assert states[date(2027, 1, 1)] == "changed"
    assert states[date(2027, 1, 2)] == "new"
    assert [day.name for day in preview["kept"]] == ["园区活动日"]
    html = response.content.decode()
    assert 'id="schedule-save"' in html
    assert CalendarDay.objects.count() == 2
    assert not CalendarYear.objects.exists()


def test_saving_enters_the_days_marks_the_year_and_moves_running_needs(
    staff_client, staff_user, recount_runs, django_capture_on_commit_callbacks
):
    world = make_world()
    need = dispatched(world)
    assert (need.resolve_due, need.deadline_estimated) == (ESTIMATED_DUE, True)
    assert unknown_years_ahead(DISPATCHED.date()) == [2027]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(staff_client, NOTICE_2027, save=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:alliance_calendarday_changelist")
    assert CalendarDay.objects.filter(date__year=2027).count() == 21
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).name == "春节调休上班"
    year = CalendarYear.objects.get()
    assert (year.year, year.completed_by) == (2027, staff_user)
    assert year_is_known(2027) and unknown_years_ahead(DISPATCHED.date()) == []
    recount_runs.assert_called_once()
    need.refresh_from_db()
    assert (need.resolve_due, need.deadline_estimated) == (DUE, False)
    # The same text again: nothing changes, nothing is queued.
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_client, NOTICE_2027, save=True)
    recount_runs.assert_called_once()
    assert CalendarYear.objects.count() == 1


def test_days_saved_without_the_mark_leave_the_year_unknown(staff_client):
    response = post(staff_client, "2027-01-01 至 2027-01-03 元旦 放假", save=True, complete=False)
    assert response.status_code == 302
    assert CalendarDay.objects.count() == 3
    assert not CalendarYear.objects.exists()
    assert year_is_known(2027) is False


@pytest.mark.parametrize(
    "text",
    [
        "2027-02-30 放假",
        "2027-02-07 放假\n2027-02-07 上班",
        "2026-10-01 国庆节 放假",
        "<script>alert('x')</script>",
        "2027-01-01 <script>alert('x')</script> 放假",
        "2027-01-01 元旦 放假\n" * 10_000,
        "",
    ],
    ids=["bad-date", "off-and-on", "other-year", "script", "script-name", "10000-lines", "empty"],
)
def test_wrong_or_hostile_text_saves_nothing(staff_client, text):
    response = post(staff_client, f"2027-10-01 国庆节 放假\n{text}" if text else "", save=True)
    assert response.status_code == 200
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()
    html = response.content.decode()
    assert "<script>alert" not in html  # shown escaped, never run
    assert 'id="schedule-save"' not in html
    if text:
        assert response.context["problems"]
        assert 'id="schedule-problems"' in html


def test_a_missing_or_impossible_year_is_a_field_error(staff_client):
    response = staff_client.post(URL, {"year": "", "schedule": "2027-01-01 放假", "_save": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    response = post(staff_client, "2027-01-01 放假", year=1900, save=True)
    assert response.context["form"].errors["year"]
    assert not CalendarDay.objects.exists()


def test_the_form_reads_naturally_in_chinese(staff_client):
    # The admin speaks the portal's language, whatever the test's.
    html = staff_client.get(URL).content.decode()
    assert "录入全年节假日安排" in html
    html = post(staff_client, "2027-02-30 放假\n2027-01-01", save=True).content.decode()
    assert "未保存任何内容" in html
    assert "“2027-02-30”不是有效日期。" in html
    assert "请注明这些日期是放假还是上班。" in html
    html = post(staff_client, NOTICE_2027).content.decode()
    assert "2027 年预览：放假 18 天，调休上班 3 天" in html
    assert "保存并标记该年已完整录入" in html


def test_only_staff_who_may_add_and_change_days_open_the_form(client, plain_user, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.force_login(plain_user)
    assert client.get(URL).status_code == 302
    assert (
        client.post(URL, {"year": "2027", "schedule": "2027-01-01 放假", "_save": "1"}).status_code
        == 302
    )
    assert not CalendarDay.objects.exists()


def test_taking_back_the_mark_makes_the_deadlines_estimates_again(
    staff_client, recount_runs, django_capture_on_commit_callbacks
):
    need = dispatched(make_world())
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_client, "2027-01-01 至 2027-01-03 元旦 放假", save=True)
    year = CalendarYear.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:alliance_calendaryear_delete", args=[year.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not CalendarYear.objects.exists()
    assert recount_runs.call_count == 2
    need.refresh_from_db()
    assert (need.resolve_due, need.deadline_estimated) == (DUE, True)
