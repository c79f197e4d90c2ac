"""Notifications: notify(), the e-mail outbox (task, claim, sweep, broker outage), the bell and
the notification pages."""

import json
import os
import re
import smtplib
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from alliance.core import notifications
from alliance.core.models import Notification
from alliance.core.notifications import (
    MAX_EMAIL_ATTEMPTS,
    notification_send_email,
    notification_send_pending_emails,
    notify,
)
from alliance.core.tasks import send_notification_email, send_pending_notification_emails
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
XSS = '<script>alert("x")</script>'
LIST = "/notifications/"

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def broker_not_paused(monkeypatch):
    # A failed publish pauses the broker for this process; every test starts with it closed.
    monkeypatch.setattr(notifications, "_broker_paused_until", 0.0)


@pytest.fixture
def queued():
    """Publishing to the broker, recorded instead of sent (a test never needs a real broker)."""
    with mock.patch.object(send_notification_email, "apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def alice(db):
    return factories.UserFactory(username="alice", full_name="钱佳", email="alice@example.cn")


@pytest.fixture
def bob(db):
    return factories.UserFactory(username="bob", full_name="宋飞洋", email="bob@example.cn")


def say(recipients, *, title="融资需求已派单", message="请及时签收。", url="", **extra):
    with transaction.atomic():
        return notify(
            recipients=recipients,
            kind="generic",
            context={"title": title, "message": message, **extra},
            url=url,
        )


def many(user, count: int, **fields) -> list[Notification]:
    return Notification.objects.bulk_create(
        Notification(recipient=user, kind="generic", title=f"第{i}条通知", body="内容", **fields)
        for i in range(count)
    )


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


class SlowBackend(EmailBackend):
    """Holds the 'SMTP conversation' open long enough for a second worker to arrive."""

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)


# --- notify() ---------------------------------------------------------------------------------


def test_notify_writes_one_row_per_distinct_active_recipient(alice, bob, queued):
    gone = factories.UserFactory(username="gone", is_active=False)
    no_mail = factories.UserFactory(username="nomail", email="")
    rows = say([alice, bob, alice, gone, None, no_mail, type(bob).objects.get(pk=bob.pk)])
    assert [row.recipient for row in rows] == [alice, bob, no_mail]
    assert Notification.objects.count() == 3
    assert not Notification.objects.filter(recipient=gone).exists()
    statuses = dict(Notification.objects.values_list("recipient__username", "email_status"))
    assert statuses == {"alice": "pending", "bob": "pending", "nomail": "skipped"}
    assert all(row.pk for row in rows)


def test_notify_without_recipients_writes_nothing(queued):
    assert say([]) == []
    assert Notification.objects.count() == 0


def test_notify_renders_chinese_text_whatever_the_request_language(alice, queued):
    when = datetime(2026, 10, 9, 14, 30, tzinfo=SHANGHAI)
    with translation.override("en"):
        (row,) = say([alice], title="恒立液压 融资需求", message="请于今日签收。", when=when)
        assert translation.get_language() == "en"  # restored for the rest of the request
    assert row.title.endswith("恒立液压 融资需求")
    assert "请于今日签收。" in row.body
    # Rendered in zh-hans: the date reads the Chinese way, not "Oct. 9, 2026, 2:30 p.m.".
    assert "2026年10月9日 14:30" in row.body
    assert row.kind == "generic"


def test_notify_keeps_text_literal_in_plain_text(alice, queued):
    (row,) = say([alice], title=f"{XSS} & 张三", message=f"备注：{XSS} & <b>")
    # Plain text: no HTML entities anywhere, the payload is stored as typed.
    assert XSS in row.title
    assert "&amp;" not in row.title
    assert f"备注：{XSS} & <b>" in row.body
    assert "&lt;" not in row.body


def test_subject_is_one_line_and_fits_the_column(alice, queued):
    (row,) = say([alice], title="第一行\r\nBcc: victim@example.com\n" + "长" * 300)
    assert "\n" not in row.title
    assert "\r" not in row.title
    assert len(row.title) == 200
    assert row.title.endswith("…")


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "x/"],
)
def test_notify_refuses_links_off_the_site(alice, queued, url):
    with pytest.raises(ValueError):
        say([alice], url=url)
    assert Notification.objects.count() == 0


def test_notify_refuses_an_unknown_kind(alice, queued):
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist), transaction.atomic():
        notify(recipients=[alice], kind="no_such_kind", context={})
    assert Notification.objects.count() == 0


def test_emails_are_queued_only_after_commit(
    alice, bob, queued, django_capture_on_commit_callbacks
):
    no_mail = factories.UserFactory(username="nomail", email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = say([alice, bob, no_mail])
        assert queued.call_count == 0  # still inside the caller's transaction
    assert len(callbacks) == 1
    # One task per e-mail to send; none for the person without an address.
    assert queued.call_args_list == [
        mock.call(args=[rows[0].pk], connection=mock.ANY, retry=False),
        mock.call(args=[rows[1].pk], connection=mock.ANY, retry=False),
    ]


def test_a_rolled_back_change_leaves_no_notification_and_queues_nothing(
    alice, queued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[alice], kind="generic", context={"title": "x", "message": "y"})
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert queued.call_count == 0
    assert Notification.objects.count() == 0


def test_broker_failure_is_swallowed_and_pauses_publishing(
    alice, bob, queued, django_capture_on_commit_callbacks, caplog
):
    queued.side_effect = OperationalError("Error 111 connecting to 127.0.0.1:1.")
    with django_capture_on_commit_callbacks(execute=True):
        first = say([alice, bob])
    # One failed attempt, then the rest of the batch is left to the sweep.
    assert queued.call_count == 1
    assert "the outbox sweep will send them" in caplog.text
    with django_capture_on_commit_callbacks(execute=True):
        say([alice])
    assert queued.call_count == 1  # paused: the next request does not wait for the broker
    assert Notification.objects.filter(email_status="pending").count() == 3
    assert {row.email_status for row in first} == {"pending"}

    notifications._broker_paused_until = 0.0  # the pause is over
    queued.side_effect = None
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = say([bob])
    assert queued.call_args == mock.call(args=[row.pk], connection=mock.ANY, retry=False)


# --- Sending one e-mail -----------------------------------------------------------------------


def test_email_task_sends_plain_text_with_a_link_into_the_portal(alice, queued, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.cn/"
    (row,) = say([alice], title=f"需求 {XSS}", message=f"说明：{XSS} & 其他", url="/needs/42/")
    assert send_notification_email.run(row.pk) is True
    (email,) = mail.outbox
    assert email.to == ["alice@example.cn"]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.subject == row.title
    assert XSS in email.subject
    assert email.content_subtype == "plain"
    assert "钱佳" in email.body  # greeting by name
    assert f"说明：{XSS} & 其他" in email.body
    assert "&lt;" not in email.body
    assert "&amp;" not in email.body
    # The footer says where to read it: the linked page and the notification list, absolute.
    footer = email.body.rsplit("\n--\n", 1)[1]
    assert "https://portal.example.cn/needs/42/" in footer
    assert "https://portal.example.cn/notifications/" in footer
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.email_attempts == 1
    assert row.email_sent_at is not None


def test_email_without_a_link_points_at_the_notification_list(alice, queued):
    (row,) = say([alice])
    notification_send_email(notification_id=row.pk)
    footer = mail.outbox[0].body.rsplit("\n--\n", 1)[1]
    assert f"{settings.PORTAL_BASE_URL}/notifications/" in footer
    assert "/needs/" not in footer


def test_running_the_task_twice_sends_once(alice, queued):
    (row,) = say([alice])
    assert notification_send_email(notification_id=row.pk) is True
    assert notification_send_email(notification_id=row.pk) is False
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.email_attempts == 1


def test_task_for_a_missing_or_skipped_row_does_nothing(queued):
    no_mail = factories.UserFactory(username="nomail", email="")
    (row,) = say([no_mail])
    assert notification_send_email(notification_id=row.pk) is False
    assert notification_send_email(notification_id=row.pk + 1000) is False
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SKIPPED


def test_address_removed_before_sending_is_skipped(alice, queued):
    (row,) = say([alice])
    alice.email = ""
    alice.save(update_fields=["email"])
    assert notification_send_email(notification_id=row.pk) is False
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SKIPPED


def test_failures_are_recorded_and_given_up_after_five(alice, queued, settings, caplog):
    settings.EMAIL_BACKEND = "tests.alliance.test_notifications.FailingBackend"
    (row,) = say([alice])
    for attempt in range(1, MAX_EMAIL_ATTEMPTS):
        assert notification_send_email(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.email_status == Notification.EmailStatus.PENDING  # the sweep tries again
        assert row.email_attempts == attempt
    assert notification_send_email(notification_id=row.pk) is False
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.FAILED
    assert row.email_attempts == MAX_EMAIL_ATTEMPTS
    assert row.email_sent_at is None
    assert f"attempt {MAX_EMAIL_ATTEMPTS} of {MAX_EMAIL_ATTEMPTS}" in caplog.text
    # Given up: later runs leave it alone, the in-app copy stays.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_send_email(notification_id=row.pk) is False
    assert mail.outbox == []
    assert row.read_at is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_time_send_once(settings):
    settings.EMAIL_BACKEND = "tests.alliance.test_notifications.SlowBackend"
    alice = factories.UserFactory(username="alice", email="alice@example.cn")
    with mock.patch.object(send_notification_email, "apply_async"):
        (row,) = say([alice])
    start = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            results.append(notification_send_email(notification_id=row.pk))
        except BaseException as exc:  # surfaced below, a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.email_attempts == 1


# --- The sweep --------------------------------------------------------------------------------


def test_sweep_sends_what_is_pending_and_leaves_fresh_rows_to_the_queued_task(alice, bob, queued):
    now = timezone.now()
    (old,) = say([alice], title="旧通知")
    (fresh,) = say([bob], title="新通知")
    (sent,) = say([bob], title="已发送")
    Notification.objects.filter(pk__in=[old.pk, sent.pk]).update(
        created_at=now - timedelta(minutes=5)
    )
    Notification.objects.filter(pk=sent.pk).update(email_status=Notification.EmailStatus.SENT)

    assert notification_send_pending_emails(now=now) == 1
    assert [email.subject for email in mail.outbox] == [old.title]
    fresh.refresh_from_db()
    assert fresh.email_status == Notification.EmailStatus.PENDING

    # A minute later the fresh one is overdue too; what went out does not go again.
    assert notification_send_pending_emails(now=now + timedelta(minutes=2)) == 1
    assert [email.subject for email in mail.outbox] == [old.title, fresh.title]
    assert notification_send_pending_emails(now=now + timedelta(minutes=4)) == 0


def test_sweep_retries_earlier_failures(alice, queued, settings):
    settings.EMAIL_BACKEND = "tests.alliance.test_notifications.FailingBackend"
    (row,) = say([alice])
    later = timezone.now() + timedelta(minutes=2)
    assert notification_send_pending_emails(now=later) == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_send_pending_emails(now=later + timedelta(minutes=2)) == 1
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.email_attempts == 2


def test_sweep_releases_a_claim_left_by_a_killed_worker(alice, queued):
    """A worker that died between claiming and sending must not lose the e-mail for good."""
    now = timezone.now()
    (row,) = say([alice], title="中断的邮件")
    Notification.objects.filter(pk=row.pk).update(
        created_at=now - timedelta(minutes=30),
        email_status=Notification.EmailStatus.SENDING,
        email_claimed_at=now - timedelta(minutes=3),
    )
    # A fresh claim may still be in progress in a live worker: left alone.
    assert notification_send_pending_emails(now=now) == 0
    assert mail.outbox == []
    # Ten minutes after the claim it is released and sent, once.
    assert notification_send_pending_emails(now=now + timedelta(minutes=8)) == 1
    assert notification_send_pending_emails(now=now + timedelta(minutes=20)) == 0
    assert [email.subject for email in mail.outbox] == ["中断的邮件"]
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT


def test_sweep_task_and_beat_entry(alice, queued):
    (row,) = say([alice])
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert send_pending_notification_emails.run() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["send-pending-notification-emails"]
    assert entry["task"] == send_pending_notification_emails.name
    assert entry["schedule"] == 120.0


# --- Broker outage, end to end ----------------------------------------------------------------

OUTAGE_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.db import transaction
from alliance.core.models import User
from alliance.core.notifications import notify

user = User.objects.get(pk=int(sys.argv[1]))
started = time.monotonic()
with transaction.atomic():
    (row,) = notify(
        recipients=[user], kind="generic",
        context={"title": "恒立液压 融资需求已提交", "message": "待受理"}, url="/needs/1/",
    )
elapsed = time.monotonic() - started  # includes the commit and the on-commit publish
print(json.dumps({"id": row.pk, "elapsed": elapsed}))
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_broker_outage_neither_hangs_nor_loses_the_notification():
    """With Redis unreachable a change that notifies commits promptly; the sweep sends later.

    Runs the production settings path in a child process with the broker on a closed port, so
    the real transport options and publish settings apply.
    """
    alice = factories.UserFactory(username="alice", email="alice@example.cn")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "PYTHONPATH": str(BASE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", OUTAGE_SCRIPT, str(alice.pk)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # A closed port refuses at once, and the publish makes one attempt (no reconnect loop):
    # the first publish of a process used to wait 2 s for kombu's connection retries. The
    # process is cold (templates and the broker client load on this call), hence not 0.5 s as
    # in test_broker_publish.py.
    assert outcome["elapsed"] < 1, outcome
    # The failure was logged, not raised.
    assert "the outbox sweep will send them" in result.stderr
    assert "127.0.0.1:1" in result.stderr

    row = Notification.objects.get(pk=outcome["id"])
    assert row.recipient == alice
    assert row.email_status == Notification.EmailStatus.PENDING
    assert mail.outbox == []

    # The broker is back: the beat sweep finds the row and sends it once.
    assert notification_send_pending_emails(now=row.created_at + timedelta(minutes=2)) == 1
    assert [email.to for email in mail.outbox] == [["alice@example.cn"]]
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT


# --- The bell ---------------------------------------------------------------------------------


def bell_count(html: str) -> str | None:
    match = re.search(r'class="[^"]*portal-bell-count[^"]*"[^>]*>([^<]*)<', html)
    return match.group(1) if match else None


def test_bell_shows_the_unread_count(client, alice, bob):
    many(alice, 3)
    many(alice, 2, read_at=timezone.now())
    many(bob, 4)
    client.force_login(alice)
    html = english(client).get("/").content.decode()
    assert bell_count(html) == "3"
    assert "Notifications, 3 unread" in html
    assert f'href="{LIST}"' in html


def test_bell_without_unread_has_no_badge(client, alice):
    many(alice, 2, read_at=timezone.now())
    client.force_login(alice)
    html = english(client).get("/").content.decode()
    assert bell_count(html) is None
    assert "Notifications, none unread" in html


def test_unread_notifications_are_badged_unread_in_chinese(client, alice):
    # The badge's "New" has its own message context: the roster import's preview uses the
    # same English word for a row that adds an enterprise (新增).
    many(alice, 1)
    many(alice, 1, read_at=timezone.now())
    client.force_login(alice)
    html = client.get(LIST).content.decode()
    badges = re.findall(r'<span class="badge text-bg-warning me-1">([^<]*)</span>', html)
    assert badges == ["未读"]


def test_bell_caps_the_number(client, alice):
    many(alice, 120)
    client.force_login(alice)
    assert bell_count(client.get("/").content.decode()) == "99+"


def test_no_bell_and_no_query_for_anonymous_visitors(client):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("login")).content.decode()
    assert "portal-bell" not in html
    assert not any("alliance_notification" in q["sql"] for q in queries.captured_queries)


def _home_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_bell_costs_one_query_whatever_the_number_of_notifications(client, alice):
    client.force_login(alice)
    many(alice, 1)
    with_one = _home_queries(client)
    many(alice, 60)
    with_many = _home_queries(client)
    assert len(with_one) == len(with_many)
    # Exactly one query touches the notifications: the COUNT for the badge.
    touching = [sql for sql in with_many if "alliance_notification" in sql]
    assert len(touching) == 1
    assert "COUNT" in touching[0].upper()


# --- The list page ----------------------------------------------------------------------------


def test_list_requires_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={LIST}"


def test_list_shows_only_my_notifications_newest_first(client, alice, bob, queued):
    say([alice], title="给钱佳的第一条")
    say([alice], title="给钱佳的第二条", url="/needs/7/")
    say([bob], title="给宋飞洋的通知")
    client.force_login(alice)
    html = english(client).get(LIST).content.decode()
    assert "给钱佳的第一条" in html
    assert html.index("给钱佳的第二条") < html.index("给钱佳的第一条")
    assert "给宋飞洋的通知" not in html
    assert "2 unread" in html
    assert "Mark all as read" in html


def test_list_escapes_what_the_e_mail_keeps_literal(client, alice, queued):
    say([alice], title=f"标题{XSS}", message=f"正文{XSS}")
    client.force_login(alice)
    html = client.get(LIST).content.decode()
    assert XSS not in html
    assert "标题&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "正文&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_empty_list(client, alice):
    client.force_login(alice)
    html = english(client).get(LIST).content.decode()
    assert "No notifications yet" in html
    assert "Mark all as read" not in html


def test_list_is_paginated(client, alice):
    many(alice, 25)
    client.force_login(alice)
    first = english(client).get(LIST).content.decode()
    assert first.count('class="portal-notification-title"') == 20
    assert "Page 1 of 2" in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert second.count('class="portal-notification-title"') == 5
    # A page number out of range or not a number shows a real page, not an error.
    assert client.get(LIST, {"page": 99}).status_code == 200
    assert client.get(LIST, {"page": "x"}).status_code == 200


def test_list_query_budget_does_not_grow_with_rows(
    client, alice, django_assert_num_queries, queued
):
    client.force_login(alice)
    say([alice], url="/needs/1/")
    # 1 session, 2 user, 3 paginator COUNT, 4 the page's rows, 5 the bell's unread COUNT
    # (the unread summary on the page reuses it). Not staff, so no group query for the navbar.
    with django_assert_num_queries(5):
        client.get(LIST)
    many(alice, 40)
    with django_assert_num_queries(5):
        client.get(LIST)


# --- Mark read --------------------------------------------------------------------------------


def test_mark_read_opens_the_link(client, alice, queued):
    (row,) = say([alice], url="/needs/42/")
    client.force_login(alice)
    response = client.post(reverse("notification-read", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/needs/42/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_mark_read_without_link_returns_to_the_list_and_keeps_the_first_reading(
    client, alice, queued
):
    (row,) = say([alice])
    first_read = timezone.now() - timedelta(days=1)
    Notification.objects.filter(pk=row.pk).update(read_at=first_read)
    client.force_login(alice)
    response = client.post(reverse("notification-read", args=[row.pk]))
    assert response["Location"] == LIST
    row.refresh_from_db()
    assert row.read_at == first_read


@pytest.mark.parametrize(
    "stored",
    [
        "https://evil.example",
        "//evil",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example/path",
    ],
)
def test_mark_read_never_redirects_off_the_site(client, alice, stored):
    # Written around notify() (which refuses such links), as a tampered or legacy row would be.
    (row,) = many(alice, 1, url=stored)
    client.force_login(alice)
    response = english(client).post(reverse("notification-read", args=[row.pk]), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "cannot be opened" in response.content.decode()
    row.refresh_from_db()
    assert row.read_at is not None


def test_someone_elses_notification_is_not_found(client, alice, bob, queued):
    (row,) = say([bob], url="/needs/1/")
    client.force_login(alice)
    assert client.post(reverse("notification-read", args=[row.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[row.pk + 1000])).status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_anonymous_cannot_mark_read(client, alice, queued):
    (row,) = say([alice])
    response = client.post(reverse("notification-read", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_touches_only_my_unread(client, alice, bob):
    earlier = timezone.now() - timedelta(days=2)
    (already,) = many(alice, 1, read_at=earlier)
    mine = many(alice, 3)
    theirs = many(bob, 2)
    client.force_login(alice)
    response = english(client).post(reverse("notification-read-all"), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    html = response.content.decode()
    assert "All notifications are marked as read." in html
    assert "Everything is read." in html
    assert bell_count(html) is None
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    assert Notification.objects.filter(pk__in=[n.pk for n in theirs], read_at=None).count() == 2
    already.refresh_from_db()
    assert already.read_at == earlier


@pytest.mark.parametrize("name", ["notification-read", "notification-read-all"])
def test_marking_is_post_only(client, alice, name):
    (row,) = many(alice, 1)
    client.force_login(alice)
    url = reverse(name, args=[row.pk]) if name == "notification-read" else reverse(name)
    assert client.get(url).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


@pytest.mark.parametrize("name", ["notification-read", "notification-read-all"])
def test_marking_needs_the_csrf_token(alice, name):
    (row,) = many(alice, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = reverse(name, args=[row.pk]) if name == "notification-read" else reverse(name)
    assert client.post(url).status_code == 403
    row.refresh_from_db()
    assert row.read_at is None
    # With the token from the page, the same request works.
    page = client.get(LIST).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None


def test_kind_templates_are_the_same_for_every_recipient():
    """A message's text is rendered once for all its recipients: only the e-mail's frame
    (base_body.txt, rendered when sending) may greet the recipient."""
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    kinds = sorted(folder.glob("*_subject.txt")) + sorted(folder.glob("*_body.txt"))
    assert len(kinds) > 20
    for template in kinds:
        if template.name == "base_body.txt":
            continue
        assert "recipient" not in template.read_text(encoding="utf-8"), template.name


def test_one_message_to_many_is_rendered_once(alice, bob, queued):
    with mock.patch.object(
        notifications, "_render_text", wraps=notifications._render_text
    ) as rendered:
        rows = say([alice, bob])
    assert rendered.call_count == 2  # the subject and the body, once each
    assert [row.recipient for row in rows] == [alice, bob]
    assert rows[0].title == rows[1].title == "融资需求已派单"
    assert rows[0].body == rows[1].body
