"""The benchmark script (bench/bench.py) is run by hand; these check its pieces against the test
database: the data it picks, its cookie handling and the pages it loads."""

from __future__ import annotations

from email.message import Message
from types import SimpleNamespace

import pytest
from django.urls import Resolver404, resolve

from alliance.demo.bulk import generate_bulk
from bench import bench
from liaisons.models import NeedEvent


@pytest.mark.django_db(transaction=False)
def test_setup_picks_roles_and_builds_a_50_row_timeline():
    generate_bulk(seed=42, scale=0.01, password=bench.PASSWORD)
    data = bench._inner_setup()
    for key in ("staff", "liaison", "secretary", "chief"):
        assert data[key].startswith("bulk-"), key
    rows = NeedEvent.objects.filter(need=data["need"]).count()
    assert rows == 50
    again = bench._inner_setup()  # idempotent: the same need, no new rows
    assert again["need"] == data["need"]
    assert NeedEvent.objects.filter(need=data["need"]).count() == rows


def test_secure_cookies_are_kept_for_plain_http():
    headers = Message()
    headers["Set-Cookie"] = "csrftoken=abc; expires=x; Path=/; SameSite=Lax; Secure"
    headers["Set-Cookie"] = "sessionid=s3ss; HttpOnly; Path=/; Secure"
    cookies: dict[str, str] = {}
    bench._cookies_of(headers, cookies)
    assert cookies == {"csrftoken": "abc", "sessionid": "s3ss"}


@pytest.mark.parametrize(
    "path",
    [
        "/health/",
        "/notifications/count/",
        "/needs/queue/",
        "/needs/inbox/",
        "/needs/",
        "/needs/1/",
        "/needs/supervision/",
        "/needs/export.xlsx",
        "/admin/liaisons/need/",
    ],
)
def test_the_benchmarked_pages_exist(path):
    try:
        resolve(path)
    except Resolver404:  # pragma: no cover - the message names the page
        pytest.fail(f"{path} is benchmarked but not routed")


def test_the_wrk_report_prints_p95():
    script = bench.LUA.read_text()
    assert "percentile(95)" in script and "BENCH_JSON" in script


def test_gunicorn_runs_with_the_procfiles_web_options_on_loopback():
    arguments = bench.gunicorn_arguments(8123)
    assert arguments[1] == "alliance.wsgi"
    assert arguments[-4:] == ["--bind", "127.0.0.1:8123", "--timeout", "120"]
    assert "0.0.0.0:8000" not in arguments and "--access-logfile" not in arguments
    procfile = (bench.ROOT / "Procfile").read_text().splitlines()
    web = next(line for line in procfile if line.startswith("web:"))
    assert "--workers " + arguments[arguments.index("--workers") + 1] in web


def test_wrk_opens_a_connection_per_request_unless_asked_to_keep_them(monkeypatch):
    calls = []

    def fake_run(args, **kwargs):
        calls.append(args)
        return SimpleNamespace(stdout='BENCH_JSON {"rps": 1}\n')

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    for keep_alive in (False, True):
        options = SimpleNamespace(threads=2, connections=16, duration=1, keep_alive=keep_alive)
        assert bench.wrk("http://127.0.0.1:1/", "sessionid=x", options) == {"rps": 1}
    per_request, kept = calls
    assert "Connection: close" in per_request and "Connection: close" not in kept
    assert "Cookie: sessionid=x" in per_request and "Cookie: sessionid=x" in kept
