"""In-app notifications and their e-mail copies, sent through an outbox.

`notify()` writes one `Notification` row per recipient inside the caller's transaction, so the
message exists exactly when the change it reports does. After the commit it asks Celery to send
the e-mail at once; if the broker is down, the row simply waits (email_status "pending") and the
beat sweep `notification_send_pending_emails()` sends it later. Sending claims the row first
(pending → sending with a conditional UPDATE), so two workers never send the same e-mail.

Templates: `templates/emails/<kind>_subject.txt` and `<kind>_body.txt` hold the message itself
(what the bell's list shows). The e-mail puts that message inside `emails/base_body.txt`
(greeting and a footer with the link into the portal), so kind templates must not extend it.
All of them are plain text: they are rendered without HTML autoescaping, and the list page
escapes the stored text when it shows it. A kind's text is rendered once per message and is the
same for each of its recipients; only `base_body.txt` greets the recipient by name.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template import Context, engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme

from alliance.core import broker
from alliance.core.models import Notification, User

logger = logging.getLogger(__name__)

# After this many failed sending attempts an e-mail is given up ("failed"); the in-app copy stays.
MAX_EMAIL_ATTEMPTS = 5
# The task queued on commit normally sends within seconds; the sweep only picks up what it missed.
STALE_CLAIM = timedelta(minutes=10)
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 200
# After a failed publish, later commits in this process skip the broker for a while: during an
# outage each web request would otherwise wait for the connection timeout again.
BROKER_PAUSE_SECONDS = 30.0

_SUBJECT_MAX = Notification._meta.get_field("title").max_length
_URL_MAX = Notification._meta.get_field("url").max_length
_broker_lock = threading.Lock()
_broker_paused_until = 0.0


# --- Rendering --------------------------------------------------------------------------------


def _render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template: no HTML escaping, whatever the template remembers to say."""
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def _tidy_body(text: str) -> str:
    # Template tags leave trailing spaces and runs of blank lines behind.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _one_line(text: str, limit: int) -> str:
    # A subject is one header line: line breaks in it would be a header injection.
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def local_path(url: str) -> str | None:
    """`url` if it is a path on this site ("/needs/42/"), else None.

    Stored links are opened by a redirect after mark-read; anything with a scheme or a host
    ("https://evil.example", "//evil", "/\\evil") would make that an open redirect.
    """
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set()):
        return None
    return url


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


# --- Creating ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One thing to tell some people: `notify_many` writes a batch of them in one insert."""

    recipients: Iterable[User]
    kind: str
    context: dict
    url: str = ""


def notify(
    *, recipients: Iterable[User], kind: str, context: dict, url: str = ""
) -> list[Notification]:
    """Tell each distinct active recipient about something, in the portal and by e-mail.

    Call it inside the transaction that makes the change: the rows commit or roll back with it,
    and the e-mail tasks are queued only after the commit.
    """
    return notify_many([Message(recipients=recipients, kind=kind, context=context, url=url)])


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """`notify` for several messages at once, with one insert for all their rows."""
    rows = []
    # Everyone reads the portal in Chinese (the catalogue's zh-hans), whatever the language of
    # the request that caused the message.
    with translation.override(settings.LANGUAGE_CODE):
        for message in messages:
            rows.extend(_rows(message))
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    pending = [row.pk for row in created if row.email_status == Notification.EmailStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: _queue_emails(pending))
    return created


def _rows(message: Message) -> list[Notification]:
    url = message.url
    if url and local_path(url) is None:
        raise ValueError(f"A notification links only to a path on this site, not {url!r}.")
    if len(url) > _URL_MAX:
        raise ValueError(f"A notification link is at most {_URL_MAX} characters.")
    people: dict[int, User] = {}
    for user in message.recipients:
        if user is not None and user.is_active and user.pk not in people:
            people[user.pk] = user
    if not people:
        return []
    # The same text for every recipient (a 督办 goes to every member of the park office): kind
    # templates do not name the recipient; the e-mail's greeting does, when it is sent.
    title = _one_line(
        _render_text(f"emails/{message.kind}_subject.txt", message.context), _SUBJECT_MAX
    )
    body = _tidy_body(_render_text(f"emails/{message.kind}_body.txt", message.context))
    return [
        Notification(
            recipient=user,
            kind=message.kind,
            title=title,
            body=body,
            url=url,
            email_status=(
                Notification.EmailStatus.PENDING if user.email else Notification.EmailStatus.SKIPPED
            ),
        )
        for user in people.values()
    ]


def _queue_emails(notification_ids: list[int]) -> None:
    """Runs after the commit. Never raises: the rows are safe, the sweep is the fallback."""
    global _broker_paused_until
    from alliance.core.tasks import send_notification_email

    if time.monotonic() < _broker_paused_until:
        return
    queued = 0
    try:
        # One attempt through the prompt connections (broker.PROMPT_TIMEOUT): a person is
        # waiting for the page, and whatever is not queued now the sweep sends.
        with broker.prompt_connection() as connection:
            for notification_id in notification_ids:
                send_notification_email.apply_async(
                    args=[notification_id], connection=connection, retry=False
                )
                queued += 1
    except Exception:
        # Any failure of the broker client (refused, timed out, misconfigured) lands here.
        logger.exception(
            "Could not queue the e-mails of notifications %s; the outbox sweep will send them.",
            notification_ids[queued:],
        )
        with _broker_lock:
            _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS


# --- Sending ----------------------------------------------------------------------------------


def _email_for(notification: Notification) -> EmailMessage:
    link = local_path(notification.url)
    with translation.override(settings.LANGUAGE_CODE):
        body = _tidy_body(
            _render_text(
                "emails/base_body.txt",
                {
                    "recipient": notification.recipient,
                    "title": notification.title,
                    "body": notification.body,
                    "link": absolute_url(link) if link else "",
                    "notifications_link": absolute_url(reverse("notification-list")),
                },
            )
        )
    return EmailMessage(
        subject=notification.title,
        body=body + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
    )


def notification_send_email(*, notification_id: int, now: datetime | None = None) -> bool:
    """Send one notification's e-mail if it is still waiting. True if it went out now.

    Safe to run twice at the same time: only the run that moves the row from pending to sending
    sends. A failure puts it back to pending for the sweep, until MAX_EMAIL_ATTEMPTS.
    """
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.PENDING
    ).update(email_status=Notification.EmailStatus.SENDING, email_claimed_at=now or timezone.now())
    if claimed != 1:
        return False  # already sent, being sent by another worker, skipped, or deleted
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    mine = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.SENDING
    )
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        # The address was removed or the account closed since the notification was written.
        mine.update(email_status=Notification.EmailStatus.SKIPPED)
        return False
    try:
        _email_for(notification).send()
    except Exception:
        # SMTP refusals, timeouts and template mistakes alike: never leave the row claimed.
        attempts = notification.email_attempts + 1
        status = (
            Notification.EmailStatus.FAILED
            if attempts >= MAX_EMAIL_ATTEMPTS
            else Notification.EmailStatus.PENDING
        )
        mine.update(email_status=status, email_attempts=F("email_attempts") + 1)
        logger.exception(
            "E-mail of notification %s failed (attempt %s of %s).",
            notification_id,
            attempts,
            MAX_EMAIL_ATTEMPTS,
        )
        return False
    mine.update(
        email_status=Notification.EmailStatus.SENT,
        email_attempts=F("email_attempts") + 1,
        email_sent_at=now or timezone.now(),
    )
    return True


def notification_send_pending_emails(*, now: datetime | None = None) -> int:
    """The outbox sweep: send e-mails still pending a minute after they were written.

    Catches what the on-commit task missed (broker down, worker restarted) and retries earlier
    failures. Returns how many e-mails went out.
    """
    now = now or timezone.now()
    # A worker killed between claiming and finishing leaves its row "sending"; after a while
    # the claim is released so the e-mail still goes out (at least once rather than never).
    Notification.objects.filter(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at__lte=now - STALE_CLAIM
    ).update(email_status=Notification.EmailStatus.PENDING)
    waiting = list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.PENDING, created_at__lte=now - SWEEP_GRACE
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(
        notification_send_email(notification_id=notification_id, now=now)
        for notification_id in waiting
    )


# --- Reading ----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> bool:
    """Mark one notification read; False if it already was (the first reading time is kept)."""
    now = now or timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if changed:
        notification.read_at = now
    return bool(changed)


def notification_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
