import pytest
from playwright.sync_api import Page


@pytest.fixture
def console_problems(page: Page) -> list[str]:
    """Console errors and warnings (CSP violations, chart complaints), uncaught page errors and
    failed (4xx/5xx) loads seen by the page; a browser test ends by asserting there are none."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(
                f"console {message.type}: {message.text} ({message.location.get('url')})"
            )
            if message.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return problems
