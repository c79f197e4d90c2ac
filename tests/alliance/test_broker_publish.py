"""A person submitting a need never waits on the broker: with Redis stopped or frozen the
submit returns within half a second, and its e-mails go out through the outbox sweep later.

The submits run in a child process with the production publish path; its broker is a Redis of
the test's own, which the test stops or freezes between two submits. A first submit warms the
child up as a web process that has served requests: it either published to Redis too, or left
its e-mail to the sweep so that the measured submit is the process's first publish (which used
to wait for kombu's connection retries).
"""

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail

from alliance.core.models import Notification
from alliance.core.notifications import notification_send_pending_emails
from liaisons.models import NeedStatus
from tests import factories
from tests.alliance.test_tasks import _database_url
from tests.redis_server import private_redis  # noqa: F401  (a fixture)

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)

# The bound on one submit while the broker is away. The publish gives up after 0.2 s
# (broker.PROMPT_TIMEOUT); the rest is the submit's own database work.
SUBMIT_BOUND = 0.5

SUBMITTER = """
import json, sys, time
import django
django.setup()
from alliance.core import notifications
from alliance.core.models import User
from liaisons.models import Need
from liaisons.needs.services import need_submit

secretary = User.objects.get(pk=int(sys.argv[1]))
first, second, third = (Need.objects.get(pk=int(pk)) for pk in sys.argv[2:5])
if sys.argv[5] == "first-publish":
    notifications._broker_paused_until = float("inf")  # this submit does not publish
need_submit(need=first, actor=secretary)
notifications._broker_paused_until = 0.0
print("warm", flush=True)
sys.stdin.readline()  # the test stops or freezes Redis
started = time.monotonic()
need_submit(need=second, actor=secretary)
elapsed = time.monotonic() - started
print(json.dumps({"elapsed": elapsed}), flush=True)
sys.stdin.readline()  # Redis is back
notifications._broker_paused_until = 0.0  # as once the pause after a failure has run out
need_submit(need=third, actor=secretary)
print("done", flush=True)
"""


def queued_ids(redis) -> set[int]:
    """The notification ids of the e-mail tasks waiting in the private Redis's queue."""
    ids = set()
    for raw in redis.client().lrange("celery", 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.update(args)
    return ids


def drafts(count: int):
    staff = factories.StaffFactory(username="chenjie", email="chenjie@example.cn")
    secretary = factories.UserFactory(username="tangpengli", email="tang@example.cn")
    enterprise = factories.EnterpriseFactory()
    factories.EnterpriseContactFactory(user=secretary, enterprise=enterprise)
    needs = [
        factories.NeedFactory(
            enterprise=enterprise,
            status=NeedStatus.DRAFT,
            submitted_at=None,
            submitted_by=secretary,
        )
        for _ in range(count)
    ]
    return staff, secretary, needs


@pytest.mark.parametrize("publish", ["first-publish", "published-before"])
@pytest.mark.parametrize("fault", ["frozen", "stopped"])
def test_a_submit_never_waits_on_a_broker_that_is_away(private_redis, fault, publish):  # noqa: F811
    redis = private_redis
    staff, secretary, needs = drafts(3)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SUBMITTER,
            str(secretary.pk),
            *(str(need.pk) for need in needs),
            publish,
        ],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": redis.url(),
            "PYTHONPATH": str(BASE_DIR),
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "warm", child.stderr.read()
        published_before = publish == "published-before"
        assert redis.client().llen("celery") == int(published_before)

        if fault == "frozen":
            redis.freeze()
        else:
            redis.stop()
        child.stdin.write("go\n")
        child.stdin.flush()
        line = child.stdout.readline()
        assert line.startswith("{"), child.stderr.read()
        outcome = json.loads(line)

        if fault == "frozen":
            redis.thaw()
        else:
            redis.start()
        child.stdin.write("back\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "done", child.stderr.read()
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert outcome["elapsed"] < SUBMIT_BOUND, outcome
    assert "the outbox sweep will send them" in child.stderr.read()
    # One message to the one staff member per submit, in the order of the submits.
    first, second, third = Notification.objects.filter(kind="need_submitted").order_by("pk")
    assert second.email_status == Notification.EmailStatus.PENDING
    # Once the pause is over the same process queues again, on the Redis that came back.
    if fault == "frozen":
        kept = {first.pk} if published_before else set()
        # The second publish gave up waiting, but its command may have sat in the frozen
        # server's socket and run when it woke: a queued task and a pending row, which the claim
        # in notification_send_email turns into one e-mail.
        assert kept | {third.pk} <= queued_ids(redis) <= kept | {second.pk, third.pk}
    else:
        assert queued_ids(redis) == {third.pk}  # the stop lost whatever was queued before

    # No worker here: the beat sweep sends every e-mail still waiting, each exactly once.
    assert notification_send_pending_emails(now=third.created_at + timedelta(minutes=2)) == 3
    assert [message.to for message in mail.outbox] == [[staff.email]] * 3
    assert {row.email_status for row in Notification.objects.all()} == {"sent"}
    assert notification_send_pending_emails(now=third.created_at + timedelta(minutes=4)) == 0
