"""Handling: the liaison's work on a dispatched need (sign for it, contacts, asking the firm,
long-term follow-up, the reply), returns and extensions with park staff's decisions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from liaisons.exceptions import NeedActionError
from liaisons.models import EscalationLevel, Need, NeedEvent, NeedEventAction, NeedStatus
from liaisons.needs import deadlines
from liaisons.needs.services.common import (
    begin,
    enterprise_users,
    entry_is_public,
    liaison_users,
    log_event,
    move,
    notify_about_need,
    park_staff_users,
    save_need,
    take_text,
)
from liaisons.needs.timeline import line
from liaisons.needs.workflow import MAX_RETURNS


def need_sign(
    *,
    need: Need,
    actor: User,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """The liaison signs for a dispatched (or reopened) need: DISPATCHED/REOPENED → IN_PROGRESS."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("sign", need, actor, expected_status)
        from_status = move(need, "sign")
        need.signed_at = now
        save_need(need, ["status", "signed_at"])
        log_event(need, actor, NeedEventAction.SIGN, moved_from=from_status)
        notify_about_need(
            need,
            kind="need_signed",
            recipients=enterprise_users(need),
            actor=actor,
            deadline=need.resolve_due,
            liaison_phone=need.liaison.phone or actor.phone,
        )
    return need


def _first_contact(need: Need, now: datetime) -> list[str]:
    # Any word from the liaison to the firm counts as the first contact.
    if need.first_contact_at is None:
        need.first_contact_at = now
        return ["first_contact_at"]
    return []


def need_log_contact(
    *,
    need: Need,
    actor: User,
    note: str,
    visit: bool = False,
    is_public: bool = True,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """A contact or visit (阶段性答复): public ones tell the firm, internal ones only record."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("contact", need, actor, expected_status, is_public=is_public)
        note = take_text("contact", note, _("Write what was discussed."))
        fields = _first_contact(need, now)
        if fields:
            save_need(need, fields)
        log_event(
            need,
            actor,
            NeedEventAction.VISIT if visit else NeedEventAction.CONTACT,
            note=note,
            is_public=entry_is_public("contact", chosen=is_public),
        )
        if is_public:
            notify_about_need(
                need,
                kind="need_progress",
                recipients=enterprise_users(need),
                actor=actor,
                note=note,
                deadline=need.resolve_due,
                visit=visit,
            )
    return need


def need_request_info(
    *,
    need: Need,
    actor: User,
    note: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Ask the firm for information: the clock stops until the firm answers."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("request_info", need, actor, expected_status)
        note = take_text(
            "request_info", note, _("Say what information the enterprise should provide.")
        )
        from_status = move(need, "request_info")
        need.paused_since = now
        save_need(need, ["status", "paused_since", *_first_contact(need, now)])
        log_event(need, actor, NeedEventAction.REQUEST_INFO, moved_from=from_status, note=note)
        notify_about_need(
            need,
            kind="need_info_requested",
            recipients=enterprise_users(need),
            actor=actor,
            note=note,
        )
    return need


def need_supply_info(
    *,
    need: Need,
    actor: User,
    note: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """The firm answers: the clock runs again and every open deadline moves by the pause."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("supply_info", need, actor, expected_status)
        note = take_text("supply_info", note, _("Write the information asked for."))
        fields = ["status", "paused_since", "paused_total"]
        paused_since = need.paused_since or now
        hours = deadlines.paused_working_hours(since=paused_since, until=now)
        estimated = False
        open_deadlines = ["resolve_due"]
        if need.first_contact_at is None:
            open_deadlines.append("first_contact_due")
        for name in open_deadlines:
            if getattr(need, name) is not None:
                pushed = deadlines.deadline_move_later(need, name, hours=hours)
                estimated = estimated or pushed.estimated
                fields += [name, deadlines.DEADLINE_BASIS[name][1]]
        if estimated and not need.deadline_estimated:
            need.deadline_estimated = True
            fields.append("deadline_estimated")
        # paused_total is wall-clock time (how long the firm took); deadlines moved by the
        # working hours within it.
        need.paused_total += max(now - paused_since, timedelta(0))
        need.paused_since = None
        from_status = move(need, "supply_info")
        save_need(need, fields)
        log_event(need, actor, NeedEventAction.SUPPLY_INFO, moved_from=from_status, note=note)
        notify_about_need(
            need,
            kind="need_info_supplied",
            recipients=liaison_users(need),
            actor=actor,
            note=note,
            deadline=need.resolve_due,
        )
    return need


def need_request_return(
    *,
    need: Need,
    actor: User,
    reason: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """The liaison asks to give the need back (wrong department, not theirs): staff decide."""
    with transaction.atomic():
        need = begin("request_return", need, actor, expected_status)
        if need.return_count >= MAX_RETURNS:
            raise NeedActionError(
                _(
                    "Need %(number)s has already been returned %(count)s times: the park "
                    "staff's ruling is final and it cannot be returned again."
                )
                % {"number": need.number, "count": need.return_count}
            )
        reason = take_text("request_return", reason, _("Give the reason for the return."))
        need.status_before_return = need.status
        from_status = move(need, "request_return")
        save_need(need, ["status", "status_before_return"])
        log_event(
            need,
            actor,
            NeedEventAction.REQUEST_RETURN,
            moved_from=from_status,
            note=reason,
            is_public=entry_is_public("request_return"),
        )
        notify_about_need(
            need,
            kind="need_return_requested",
            recipients=park_staff_users(),
            actor=actor,
            note=reason,
            return_count=need.return_count,
        )
    return need


def need_decide_return(
    *,
    need: Need,
    actor: User,
    approve: bool,
    note: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Approve: back to ACCEPTED without a liaison, ready to re-dispatch. Deny: back to work."""
    with transaction.atomic():
        need = begin("decide_return", need, actor, expected_status)
        # A denied return goes back where the need was; a need without that record cannot.
        target = NeedStatus.ACCEPTED if approve else need.status_before_return
        from_status = move(need, "decide_return", to=target or need.status)
        note = take_text(
            "decide_return", note, _("Give the reason for denying the return."), refused=not approve
        )
        liaison_user = need.liaison.user if need.liaison_id is not None else None
        need.status_before_return = ""
        fields = ["status", "status_before_return"]
        if approve:
            need.return_count += 1
            need.liaison = None
            need.department = None
            need.sign_due = need.first_contact_due = need.resolve_due = None
            need.extension_requested = 0
            need.escalation_level = EscalationLevel.NONE
            fields += [
                "return_count",
                "liaison",
                "department",
                "sign_due",
                "first_contact_due",
                "resolve_due",
                "extension_requested",
                "escalation_level",
            ]
        save_need(need, fields)
        log_event(
            need,
            actor,
            NeedEventAction.APPROVE_RETURN if approve else NeedEventAction.DENY_RETURN,
            moved_from=from_status,
            note=note,
            is_public=entry_is_public("decide_return", granted=approve),
        )
        notify_about_need(
            need,
            kind="need_return_decided",
            recipients=[liaison_user] if liaison_user else [],
            actor=actor,
            note=note,
            approved=approve,
            deadline=need.resolve_due,
        )
    return need


def _extension_asked_this_cycle(need: Need) -> bool:
    """Whether an extension was already requested since the clock last started.

    The clock starts at a dispatch or a reopen; one extension request is allowed per clock,
    whatever the staff decided on it (docs/needs.md, "Moves").
    """
    last_start = (
        NeedEvent.objects.filter(
            need=need, action__in=[NeedEventAction.DISPATCH, NeedEventAction.REOPEN]
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return NeedEvent.objects.filter(
        need=need, action=NeedEventAction.REQUEST_EXTENSION, pk__gt=last_start or 0
    ).exists()


def need_request_extension(
    *,
    need: Need,
    actor: User,
    workdays: int,
    reason: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Once per clock, before the resolve deadline, at most the category's longest extension."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("request_extension", need, actor, expected_status)
        reason = take_text("request_extension", reason, _("Give the reason for the extension."))
        if need.resolve_due is not None and now >= need.resolve_due:
            raise NeedActionError(
                _("The deadline has passed: an extension must be requested before it.")
            )
        if need.extension_requested or _extension_asked_this_cycle(need):
            raise NeedActionError(_("An extension can be requested only once."))
        limit = deadlines.time_limit_get(category=need.category, urgency=need.urgency)
        longest = deadlines.extension_max_workdays(limit)
        if isinstance(workdays, bool) or not isinstance(workdays, int):
            raise NeedActionError(_("Give the extension in whole working days."))
        if not 1 <= workdays <= longest:
            raise NeedActionError(
                _("An extension is between 1 and %(max)s working days for this need.")
                % {"max": longest}
                if longest
                else _("Needs of this category and urgency cannot be extended.")
            )
        need.extension_requested = workdays
        save_need(need, ["extension_requested"])
        log_event(
            need,
            actor,
            NeedEventAction.REQUEST_EXTENSION,
            note=reason,
            data=[line("extension_requested", days=workdays)],
            is_public=entry_is_public("request_extension"),
        )
        notify_about_need(
            need,
            kind="need_extension_requested",
            recipients=park_staff_users(),
            actor=actor,
            note=reason,
            workdays=workdays,
            deadline=need.resolve_due,
        )
    return need


def need_decide_extension(
    *,
    need: Need,
    actor: User,
    approve: bool,
    note: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Approval moves the resolve deadline and re-arms the escalation ladder on the new one."""
    with transaction.atomic():
        need = begin("decide_extension", need, actor, expected_status)
        if not need.extension_requested:
            raise NeedActionError(_("No extension request is waiting for a decision."))
        note = take_text(
            "decide_extension",
            note,
            _("Give the reason for denying the extension."),
            refused=not approve,
        )
        workdays = need.extension_requested
        need.extension_requested = 0
        fields = ["extension_requested"]
        if approve:
            extended = deadlines.deadline_move_later(
                need, "resolve_due", hours=workdays * deadlines.HOURS_PER_DAY
            )
            need.extension_workdays = workdays
            need.escalation_level = EscalationLevel.NONE
            need.deadline_estimated = need.deadline_estimated or extended.estimated
            fields += ["resolve_due", "resolve_hours", "extension_workdays", "escalation_level"]
            fields.append("deadline_estimated")
        save_need(need, fields)
        log_event(
            need,
            actor,
            (NeedEventAction.APPROVE_EXTENSION if approve else NeedEventAction.DENY_EXTENSION),
            note=note,
            data=(
                [line("extension_granted", days=workdays, due=need.resolve_due)] if approve else []
            ),
            is_public=entry_is_public("decide_extension", granted=approve),
        )
        notify_about_need(
            need,
            kind="need_extension_decided",
            recipients=liaison_users(need),
            actor=actor,
            note=note,
            approved=approve,
            workdays=workdays,
            deadline=need.resolve_due,
        )
        if approve:
            notify_about_need(
                need,
                kind="need_deadline_extended",
                recipients=enterprise_users(need),
                actor=actor,
                workdays=workdays,
                deadline=need.resolve_due,
            )
    return need


def need_mark_long_term(
    *,
    need: Need,
    actor: User,
    note: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Long-term follow-up: the resolve clock stops, a milestone reply is due every month."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("long_term", need, actor, expected_status)
        note = take_text("long_term", note, _("Explain why the need is followed up long-term."))
        from_status = move(need, "long_term")
        need.milestone_due = deadlines.one_month_later(now)
        need.extension_requested = 0
        save_need(
            need,
            ["status", "milestone_due", "extension_requested", *_first_contact(need, now)],
        )
        log_event(need, actor, NeedEventAction.LONG_TERM, moved_from=from_status, note=note)
        notify_about_need(
            need,
            kind="need_long_term",
            recipients=enterprise_users(need),
            actor=actor,
            note=note,
            deadline=need.milestone_due,
        )
    return need


def need_milestone_reply(
    *,
    need: Need,
    actor: User,
    note: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("milestone", need, actor, expected_status)
        note = take_text("milestone", note, _("Write the progress made."))
        need.milestone_due = deadlines.one_month_later(now)
        save_need(need, ["milestone_due", *_first_contact(need, now)])
        log_event(need, actor, NeedEventAction.MILESTONE, note=note)
        notify_about_need(
            need,
            kind="need_milestone",
            recipients=enterprise_users(need),
            actor=actor,
            note=note,
            deadline=need.milestone_due,
        )
    return need


def need_reply(
    *,
    need: Need,
    actor: User,
    resolution: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """The liaison's answer: the firm's rating window starts."""
    now = now or timezone.now()
    with transaction.atomic():
        need = begin("reply", need, actor, expected_status)
        resolution = take_text("reply", resolution, _("Write how the need was resolved."))
        limit = deadlines.time_limit_get(category=need.category, urgency=need.urgency)
        rating = deadlines.rating_deadline(replied_at=now, limit=limit)
        from_status = move(need, "reply")
        need.resolution = resolution
        need.replied_at = now
        need.rating_due, need.rating_hours = rating.at, limit.rating_hours
        # The flag describes the deadlines still to meet: now only the firm's rating window.
        need.deadline_estimated = rating.estimated
        need.milestone_due = None
        need.extension_requested = 0
        save_need(
            need,
            [
                "status",
                "resolution",
                "replied_at",
                "rating_due",
                "rating_hours",
                "deadline_estimated",
                "milestone_due",
                "extension_requested",
                *_first_contact(need, now),
            ],
        )
        log_event(need, actor, NeedEventAction.REPLY, moved_from=from_status, note=resolution)
        notify_about_need(
            need,
            kind="need_replied",
            recipients=enterprise_users(need),
            actor=actor,
            note=resolution,
            deadline=need.rating_due,
        )
    return need
