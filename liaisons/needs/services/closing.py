"""Closing: the firm's rating of the reply, park staff's return visit (回访), reopening (重办)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from liaisons.exceptions import NeedActionError
from liaisons.models import Need, NeedEventAction, NeedStatus, Satisfaction
from liaisons.needs.services.common import (
    begin,
    enterprise_users,
    liaison_users,
    log_event,
    move,
    notify_about_need,
    park_staff_users,
    save_need,
    start_clock,
    take_text,
)
from liaisons.needs.timeline import line

SATISFIED = frozenset({Satisfaction.SATISFIED, Satisfaction.BASICALLY})


def _reopen(need: Need, action: str, *, now: datetime) -> list[str]:
    """REOPENED (重办): a new clock from now for the same liaison; the firm's 不满意 counts."""
    fields = start_clock(need, now=now, first_contact=False)
    move(need, action, to=NeedStatus.REOPENED)
    need.reopen_count += 1
    need.signed_at = None
    need.closed_at = None
    need.rating_due = None
    return [*fields, "status", "reopen_count", "signed_at", "closed_at", "rating_due"]


def _notify_reopened(need: Need, *, actor: User, reason: str, by_enterprise: bool) -> None:
    recipients = [*liaison_users(need), *park_staff_users()]
    if not by_enterprise:
        recipients += list(enterprise_users(need))
    notify_about_need(
        need,
        kind="need_reopened",
        recipients=recipients,
        actor=actor,
        note=reason,
        deadline=need.resolve_due,
        sign_due=need.sign_due,
        by_enterprise=by_enterprise,
    )


def need_rate(
    *,
    need: Need,
    actor: User,
    satisfaction: str,
    comment: str = "",
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """满意/基本满意 closes the need; 不满意 reopens it with a new deadline (重办)."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("rate", need, actor, expected_status)
        if satisfaction not in Satisfaction.values:
            raise NeedActionError(_("Choose how satisfied you are."))
        comment = take_text(
            "rate",
            comment,
            _("Tell us what is still wrong, so it can be redone."),
            refused=satisfaction == Satisfaction.UNSATISFIED,
        )
        from_status = need.status
        need.satisfaction = satisfaction
        need.satisfaction_comment = comment
        need.rated_at = now
        fields = ["satisfaction", "satisfaction_comment", "rated_at"]
        if satisfaction in SATISFIED:
            move(need, "rate", to=NeedStatus.CLOSED)
            need.closed_at = now
            fields += ["status", "closed_at"]
        else:
            fields += _reopen(need, "rate", now=now)
        save_need(need, fields)
        log_event(
            need,
            actor,
            NeedEventAction.RATE,
            moved_from=from_status,
            note=comment,
            data=[line("satisfaction", value=satisfaction)],
        )
        if need.status == NeedStatus.CLOSED:
            notify_about_need(
                need,
                kind="need_rated",
                recipients=liaison_users(need),
                actor=actor,
                note=comment,
                satisfaction=Satisfaction(need.satisfaction).label,
            )
        else:
            _notify_reopened(need, actor=actor, reason=comment, by_enterprise=True)
    return need


def need_log_return_visit(
    *,
    need: Need,
    actor: User,
    note: str,
    satisfaction: str | None = None,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Staff's return visit (回访): closes a replied need, or reopens it if the firm is unhappy.

    Before the firm's rating window ends, a visit closes the need only with the firm's answer;
    otherwise the firm would lose its chance to rate.
    """
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("return_visit", need, actor, expected_status)
        note = take_text("return_visit", note, _("Write what the enterprise said."))
        if satisfaction is not None and satisfaction not in Satisfaction.values:
            raise NeedActionError(_("Choose how satisfied the enterprise is."))
        if (
            need.status == NeedStatus.REPLIED
            and satisfaction is None
            and need.rating_due is not None
            and now < need.rating_due
        ):
            raise NeedActionError(
                _(
                    "The enterprise can still rate the reply until %(due)s: record its answer, "
                    "or log the visit after that."
                )
                % {"due": timezone.localtime(need.rating_due).strftime("%Y-%m-%d %H:%M")}
            )
        from_status = need.status
        fields: list[str] = []
        if satisfaction is not None:
            need.satisfaction = satisfaction
            need.rated_at = now
            fields += ["satisfaction", "rated_at"]
        if satisfaction == Satisfaction.UNSATISFIED:
            fields += _reopen(need, "return_visit", now=now)
        elif need.status == NeedStatus.REPLIED:
            move(need, "return_visit", to=NeedStatus.CLOSED)
            need.closed_at = now
            fields += ["status", "closed_at"]
        if fields:
            save_need(need, fields)
        log_event(
            need,
            actor,
            NeedEventAction.RETURN_VISIT,
            moved_from=from_status if need.status != from_status else None,
            note=note,
            data=[line("satisfaction", value=satisfaction)] if satisfaction else [],
        )
        if need.status == NeedStatus.REOPENED:
            _notify_reopened(need, actor=actor, reason=note, by_enterprise=False)
        elif from_status != need.status:
            notify_about_need(
                need,
                kind="need_closed",
                recipients=liaison_users(need),
                actor=actor,
                note=note,
            )
    return need


def need_reopen(
    *,
    need: Need,
    actor: User,
    reason: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("reopen", need, actor, expected_status)
        reason = take_text("reopen", reason, _("Give the reason for reopening the need."))
        from_status = need.status
        save_need(need, _reopen(need, "reopen", now=now))
        log_event(need, actor, NeedEventAction.REOPEN, moved_from=from_status, note=reason)
        _notify_reopened(need, actor=actor, reason=reason, by_enterprise=False)
    return need
