import os

import pytest

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# ORM calls made from the same thread by fixtures (microsoft/playwright-pytest#29).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


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
