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
