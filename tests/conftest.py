import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# ORM calls made from the same thread by fixtures (microsoft/playwright-pytest#29).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Moments of the park's week at which the deadline tests run (`moment` fixture): what is overdue
# or due soon depends on where "now" falls against working hours, weekends and holidays, so a
# test that took the wall clock would expect different things at different hours of CI.
MOMENTS = {
    "working-hours": datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI),  # Tuesday morning
    "lunch-break": datetime(2026, 12, 9, 12, 20, tzinfo=SHANGHAI),  # Wednesday, 12:00-13:00
    "after-hours": datetime(2026, 12, 7, 17, 51, tzinfo=SHANGHAI),  # Monday, after 17:30
    "evening": datetime(2026, 12, 7, 18, 6, tzinfo=SHANGHAI),
    "friday-night": datetime(2026, 12, 11, 22, 30, tzinfo=SHANGHAI),
    "weekend": datetime(2026, 12, 12, 12, 0, tzinfo=SHANGHAI),  # Saturday
    "holiday-eve": datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI),  # National Day starts 1 Oct
    "in-holiday": datetime(2026, 10, 4, 9, 0, tzinfo=SHANGHAI),
    "make-up-saturday": datetime(2026, 10, 10, 11, 0, tzinfo=SHANGHAI),  # a 调休 working day
}


@pytest.fixture(params=list(MOMENTS), ids=list(MOMENTS))
def moment(request):
    """The test runs at each of `MOMENTS`, its clock ticking from there."""
    with time_machine.travel(MOMENTS[request.param], tick=True):
        yield MOMENTS[request.param]


def pytest_configure(config):
    """`HONGCHAIN_TEST_NOW=2026-12-07T18:06` runs the whole session from that moment (Beijing
    time unless an offset is given): a rehearsal of CI at another hour. Tests that start real
    processes (a Celery worker, Chromium) live in their own time; rehearse without them."""
    pinned = os.environ.get("HONGCHAIN_TEST_NOW")
    if pinned:
        start = datetime.fromisoformat(pinned)
        if start.tzinfo is None:
            start = start.replace(tzinfo=SHANGHAI)
        config._hongchain_clock = time_machine.travel(start, tick=True)
        config._hongchain_clock.start()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium, never a downloaded browser; no background traffic on a closed network.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_teardown(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions still connected to it.

    Playwright's sync API runs the browser tests in greenlets; Django keeps a connection per
    context, and a test after them can open a second one in a new context while the first stays
    open, unreachable. PostgreSQL then refuses to drop a database "being accessed by other
    users". The database is about to go: its leftover sessions are ended here.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )


@pytest.fixture
def staff_user(db):
    return factories.StaffFactory(username="staff", full_name="陈杰")


@pytest.fixture
def plain_user(db):
    return factories.UserFactory(username="nobody", full_name="路人甲")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test counts as failed: the suite must not pass by skipping."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which is not allowed: {report.longrepr}"
