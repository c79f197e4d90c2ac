"""The needs workflow (docs/needs.md): one service per move.

Every move runs in one transaction and follows the same steps: lock the need's row, refuse a
stale page (`expected_status`), refuse a move the current state does not allow
(`NEED_TRANSITIONS`, or the list of states a non-moving action accepts), refuse a person without
the role, check the input, save the changed fields, append a `NeedEvent`, and write the
notifications (e-mailed after the commit). The check order matters: a stale page is told it is
stale even when the move would also be illegal now, and an illegal move is reported as such
before anyone's role is looked at.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from alliance.core.notifications import Message, notify_many
from alliance.core.staff import PARK_STAFF_GROUP, is_park_staff
from alliance.core.validators import validate_phone
from enterprises.models import Enterprise, EnterpriseContact
from liaisons.exceptions import (
    NeedActionError,
    NeedConflictError,
    NeedPermissionError,
    NeedTransitionError,
)
from liaisons.models import (
    Department,
    EscalationLevel,
    Liaison,
    Need,
    NeedAttachment,
    NeedCategory,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    Satisfaction,
    Urgency,
)
from liaisons.services import deadlines
from liaisons.services.numbering import need_number_next
from liaisons.timeline import line

# States in which the non-moving actions are accepted (the moving ones read NEED_TRANSITIONS).
CONTACT_STATUSES = frozenset(
    {NeedStatus.IN_PROGRESS, NeedStatus.WAITING_ENTERPRISE, NeedStatus.LONG_TERM}
)
EXTENSION_REQUEST_STATUSES = frozenset({NeedStatus.IN_PROGRESS})
EXTENSION_DECISION_STATUSES = frozenset(
    {NeedStatus.IN_PROGRESS, NeedStatus.WAITING_ENTERPRISE, NeedStatus.RETURN_PENDING}
)
MILESTONE_STATUSES = frozenset({NeedStatus.LONG_TERM})
RETURN_VISIT_STATUSES = frozenset({NeedStatus.REPLIED, NeedStatus.CLOSED})
NOTE_STATUSES = frozenset(set(NeedStatus) - {NeedStatus.DRAFT})
ATTACH_STATUSES = frozenset(
    set(NeedStatus) - {NeedStatus.CLOSED, NeedStatus.REJECTED, NeedStatus.MERGED}
)
# Approved returns after which the liaison can no longer ask: the staff's ruling is final.
MAX_RETURNS = 2
# Fields a secretary may change while the need is a draft.
DRAFT_FIELDS = frozenset(
    {"category", "urgency", "title", "description", "contact_name", "contact_phone"}
)
SATISFIED = frozenset({Satisfaction.SATISFIED, Satisfaction.BASICALLY})
TITLE_MAX = Need._meta.get_field("title").max_length
CONTACT_NAME_MAX = Need._meta.get_field("contact_name").max_length


# --- Small helpers ------------------------------------------------------------------------------


def need_detail_path(need: Need) -> str:
    return reverse("liaisons:need-detail", args=[need.pk])


def _lock(need: Need, expected_status: str | None) -> Need:
    """The need's row, locked until the transaction ends, as it is now (not as the page saw it)."""
    locked = Need.objects.select_for_update().get(pk=need.pk)
    _require_fresh(locked, expected_status)
    return locked


def _require_fresh(locked: Need, expected_status: str | None) -> None:
    if expected_status is not None and locked.status != expected_status:
        raise NeedConflictError(
            _(
                "Need %(number)s has changed since you opened it: it is now “%(status)s”. "
                "Reload the page and check before acting again."
            )
            % {"number": locked.number, "status": locked.get_status_display()}
        )


def _refuse_state(need: Need) -> NeedTransitionError:
    return NeedTransitionError(
        _("This cannot be done while need %(number)s is “%(status)s”.")
        % {"number": need.number, "status": need.get_status_display()}
    )


def _require_move(need: Need, to_status: str) -> None:
    if not need.can_transition_to(to_status):
        raise _refuse_state(need)


def _require_state(need: Need, allowed: Iterable[str]) -> None:
    if need.status not in allowed:
        raise _refuse_state(need)


def _require_role(allowed: bool) -> None:
    if not allowed:
        raise NeedPermissionError(_("You may not do this on this need."))


def _text(value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise NeedActionError(message)
    return value


def _save(need: Need, fields: Iterable[str]) -> None:
    """Save the fields a move changed; when the escalation ladder depends on one of them, the
    need's next rung is computed again (`deadlines.next_escalation_at`)."""
    fields = [*fields, "updated_at"]
    if deadlines.LADDER_FIELDS.intersection(fields):
        need.next_escalation_at = deadlines.next_escalation_at(need)
        fields.append("next_escalation_at")
    need.save(update_fields=fields)


def _log(
    need: Need,
    actor: User | None,
    action: str,
    *,
    moved_from: str | None = None,
    note: str = "",
    data: Iterable[dict] = (),
    is_public: bool = True,
) -> NeedEvent:
    """Append the timeline entry. A move gives `moved_from`, the status it left ("" for a need
    created straight into its status); the entry then records both ends of the move. `note` is
    what the person typed; `data`, the lines the portal writes itself (liaisons.timeline)."""
    return NeedEvent.objects.create(
        need=need,
        actor=actor,
        action=action,
        from_status=moved_from or "",
        to_status=need.status if moved_from is not None else "",
        note=note,
        data=list(data),
        is_public=is_public,
    )


def _move(need: Need, to_status: str) -> str:
    """Set the new status and return the old one (the caller saves)."""
    from_status = need.status
    need.status = to_status
    return from_status


# --- Who is who ---------------------------------------------------------------------------------


def _active(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_secretary(user: User, enterprise_id: int) -> bool:
    return (
        _active(user)
        and EnterpriseContact.objects.filter(user=user, enterprise_id=enterprise_id).exists()
    )


def _is_liaison(user: User, need: Need) -> bool:
    return (
        _active(user)
        and need.liaison_id is not None
        and Liaison.objects.filter(pk=need.liaison_id, user=user).exists()
    )


def _is_supervisor(user: User, need: Need) -> bool:
    """The head of the need's department or the chief of its chain (read and internal notes)."""
    if not _active(user):
        return False
    if (
        need.department_id is not None
        and Department.objects.filter(pk=need.department_id, head=user).exists()
    ):
        return True
    return need.chain_id is not None and need.chain.chief_id == user.pk


def enterprise_users(need: Need):
    return User.objects.filter(
        enterprise_contacts__enterprise_id=need.enterprise_id, is_active=True
    ).distinct()


def park_staff_users():
    # The office's members; superusers are operators and are not told about daily work.
    return User.objects.filter(
        is_active=True, is_staff=True, groups__name=PARK_STAFF_GROUP
    ).distinct()


def liaison_users(need: Need) -> list[User]:
    return [need.liaison.user] if need.liaison_id is not None else []


def need_message(
    need: Need,
    *,
    kind: str,
    recipients: Iterable[User],
    actor: User | None = None,
    deadline: datetime | None = None,
    note: str = "",
    **extra,
) -> Message:
    """A notification about the need (its number, title, firm, status and link)."""
    return Message(
        recipients=recipients,
        kind=kind,
        context={
            "need": need,
            "number": need.number,
            "title": need.title,
            "enterprise": need.enterprise.name,
            # Lazy labels: notify() renders them in the portal's language, not the request's.
            "status": NeedStatus(need.status).label,
            "deadline": deadline,
            "note": note,
            "actor": actor.get_full_name() if actor is not None else "",
            **extra,
        },
        url=need_detail_path(need),
    )


def notify_about_need(need: Need, **message) -> None:
    notify_many([need_message(need, **message)])


def need_correct(*, need: Need, fields: dict) -> Need:
    """Park staff correct a need's request (category, urgency, wording, contact) in the
    administration. Only the changed fields are written, on the locked row: a workflow move made
    meanwhile is kept. A new category or urgency moves the escalation moments with the limit."""
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        _save(locked, fields)
    return locked


# --- Drafts and submission ----------------------------------------------------------------------


def _clean_need_fields(fields: dict) -> dict:
    cleaned = dict(fields)
    if "category" in cleaned and cleaned["category"] not in NeedCategory.values:
        raise NeedActionError(_("Choose a category from the list."))
    if "urgency" in cleaned and cleaned["urgency"] not in Urgency.values:
        raise NeedActionError(_("Choose an urgency from the list."))
    for name in ("title", "description", "contact_name", "contact_phone"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "title" in cleaned:
        if not cleaned["title"]:
            raise NeedActionError(_("Give the need a title."))
        if len(cleaned["title"]) > TITLE_MAX:
            raise NeedActionError(_("The title is too long."))
    if "contact_name" in cleaned and len(cleaned["contact_name"]) > CONTACT_NAME_MAX:
        raise NeedActionError(_("The contact person's name is too long."))
    if cleaned.get("contact_phone"):
        try:
            validate_phone(cleaned["contact_phone"])
        except ValidationError as error:
            raise NeedActionError(error.messages[0]) from error
    return cleaned


def _submit(need: Need, *, actor: User, now: datetime, from_status: str) -> None:
    """DRAFT → SUBMITTED (or straight to SUBMITTED at creation): accept clock and staff told."""
    if not need.description.strip():
        raise NeedActionError(_("Describe the need before submitting it."))
    need.status = NeedStatus.SUBMITTED
    need.submitted_at = now
    limit = deadlines.time_limit_find(category=need.category, urgency=need.urgency)
    # A missing time limit is the office's configuration to fix, never a reason to refuse a firm.
    accept = deadlines.accept_deadline(submitted_at=now, limit=limit) if limit else None
    need.accept_due = accept.at if accept else None
    need.accept_hours = limit.accept_hours if limit else None
    need.deadline_estimated = bool(accept and accept.estimated)
    _save(need, ["status", "submitted_at", "accept_due", "accept_hours", "deadline_estimated"])
    _log(need, actor, NeedEventAction.SUBMIT, moved_from=from_status)
    notify_about_need(
        need,
        kind="need_submitted",
        recipients=park_staff_users(),
        actor=actor,
        deadline=need.accept_due,
    )


def need_create(
    *,
    enterprise: Enterprise,
    actor: User,
    category: str,
    urgency: str,
    title: str,
    description: str,
    contact_name: str = "",
    contact_phone: str = "",
    submit: bool,
    now: datetime | None = None,
) -> Need:
    """A secretary writes a need for their enterprise: a draft, or submitted at once."""
    now = now or timezone.now()
    _require_role(_is_secretary(actor, enterprise.pk))
    if submit and not (description or "").strip():
        raise NeedActionError(_("Describe the need before submitting it."))
    fields = _clean_need_fields(
        {
            "category": category,
            "urgency": urgency,
            "title": title,
            "description": description,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        }
    )
    with transaction.atomic():
        need = Need(
            number=need_number_next(now=now),
            enterprise=enterprise,
            chain_id=enterprise.primary_chain_id,
            submitted_by=actor,
            status=NeedStatus.DRAFT,
            **fields,
        )
        need.save()
        if submit:
            _submit(need, actor=actor, now=now, from_status="")
    return need


def need_update_draft(
    *,
    need: Need,
    actor: User,
    now: datetime | None = None,
    expected_status: str | None = None,
    **fields,
) -> Need:
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise TypeError(f"A draft has no editable field(s) {sorted(unknown)}.")
    with transaction.atomic():
        need = _lock(need, expected_status)
        _require_state(need, {NeedStatus.DRAFT})
        _require_role(_is_secretary(actor, need.enterprise_id))
        cleaned = _clean_need_fields(fields)
        for name, value in cleaned.items():
            setattr(need, name, value)
        if cleaned:
            _save(need, cleaned)
    return need


def need_submit(
    *,
    need: Need,
    actor: User,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    now = now or timezone.now()
    with transaction.atomic():
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.SUBMITTED)
        _require_role(_is_secretary(actor, need.enterprise_id))
        _submit(need, actor=actor, now=now, from_status=need.status)
    return need


# --- Triage (park staff) ------------------------------------------------------------------------


def need_accept(
    *,
    need: Need,
    actor: User,
    category: str | None = None,
    urgency: str | None = None,
    note: str = "",
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """Staff accept a submitted need, correcting its category or urgency if the firm misjudged."""
    now = now or timezone.now()
    with transaction.atomic():
        need = _lock(need, expected_status)
        # RETURN_PENDING → ACCEPTED is a return's approval, not an acceptance.
        _require_state(need, {NeedStatus.SUBMITTED})
        _require_move(need, NeedStatus.ACCEPTED)
        _require_role(is_park_staff(actor))
        corrections = _clean_need_fields(
            {
                name: value
                for name, value in (("category", category), ("urgency", urgency))
                if value is not None and value != getattr(need, name)
            }
        )
        lines = []
        if "category" in corrections:
            lines.append(line("category_corrected", old=need.category, new=corrections["category"]))
        if "urgency" in corrections:
            lines.append(line("urgency_corrected", old=need.urgency, new=corrections["urgency"]))
        for name, value in corrections.items():
            setattr(need, name, value)
        from_status = _move(need, NeedStatus.ACCEPTED)
        need.accepted_at = now
        _save(need, ["status", "accepted_at", *corrections])
        _log(
            need,
            actor,
            NeedEventAction.ACCEPT,
            moved_from=from_status,
            note=note.strip(),
            data=lines,
        )
        notify_about_need(
            need, kind="need_accepted", recipients=enterprise_users(need), actor=actor
        )
    return need


def need_reject(
    *,
    need: Need,
    actor: User,
    reason: str,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    with transaction.atomic():
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.REJECTED)
        _require_role(is_park_staff(actor))
        reason = _text(reason, _("Give the reason for not accepting the need."))
        from_status = _move(need, NeedStatus.REJECTED)
        _save(need, ["status"])
        _log(need, actor, NeedEventAction.REJECT, moved_from=from_status, note=reason)
        notify_about_need(
            need,
            kind="need_rejected",
            recipients=enterprise_users(need),
            actor=actor,
            note=reason,
        )
    return need


def need_merge(
    *,
    need: Need,
    into: Need,
    actor: User,
    note: str = "",
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """A duplicate is closed into its master need of the same enterprise."""
    if into.pk == need.pk:
        raise NeedActionError(_("A need cannot be merged into itself."))
    with transaction.atomic():
        # Both rows are locked, always the lower id first, so two merges never deadlock.
        locked = {
            row.pk: row
            for row in Need.objects.select_for_update()
            .filter(pk__in=[need.pk, into.pk])
            .order_by("pk")
        }
        need, into = locked[need.pk], locked[into.pk]
        _require_fresh(need, expected_status)
        _require_move(need, NeedStatus.MERGED)
        _require_role(is_park_staff(actor))
        if into.enterprise_id != need.enterprise_id:
            raise NeedActionError(_("Only needs of the same enterprise can be merged."))
        if into.status in {NeedStatus.DRAFT, NeedStatus.REJECTED, NeedStatus.MERGED}:
            raise NeedActionError(
                _("Need %(number)s is “%(status)s” and cannot take in a duplicate.")
                % {"number": into.number, "status": into.get_status_display()}
            )
        from_status = _move(need, NeedStatus.MERGED)
        need.merged_into = into
        _save(need, ["status", "merged_into"])
        note = note.strip()
        _log(
            need,
            actor,
            NeedEventAction.MERGE,
            moved_from=from_status,
            note=note,
            data=[line("merged_into", number=into.number)],
        )
        _log(
            into,
            actor,
            NeedEventAction.MERGE,
            data=[line("duplicate_merged", number=need.number)],
            is_public=False,
        )
        notify_about_need(
            need,
            kind="need_merged",
            recipients=enterprise_users(need),
            actor=actor,
            note=note,
            master_number=into.number,
            master_title=into.title,
        )
    return need


def _start_clock(need: Need, *, now: datetime, first_contact: bool = True) -> list[str]:
    """Fresh deadlines from `now`: at dispatch (the clock starts there, not at sign-for) and at a
    reopening (without a new first-contact deadline: the firm already knows its liaison)."""
    limit = deadlines.time_limit_get(category=need.category, urgency=need.urgency)
    due = deadlines.clock_deadlines(start=now, limit=limit)
    need.clock_started_at = now
    need.sign_due, need.sign_hours = due.sign_due, limit.sign_hours
    need.resolve_due, need.resolve_hours = due.resolve_due, limit.resolve_hours
    need.deadline_estimated = due.estimated
    # A new deadline is a new ladder: escalations and the extension belong to the old one.
    need.escalation_level = EscalationLevel.NONE
    need.extension_workdays = 0
    need.extension_requested = 0
    need.paused_since = None
    fields = [
        "clock_started_at",
        "sign_due",
        "sign_hours",
        "resolve_due",
        "resolve_hours",
        "deadline_estimated",
        "escalation_level",
        "extension_workdays",
        "extension_requested",
        "paused_since",
    ]
    if first_contact:
        need.first_contact_due = due.first_contact_due
        need.first_contact_hours = limit.first_contact_hours
        fields += ["first_contact_due", "first_contact_hours"]
    return fields


def need_dispatch(
    *,
    need: Need,
    actor: User,
    liaison: Liaison,
    note: str = "",
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    now = now or timezone.now()
    with transaction.atomic():
        need = _lock(need, expected_status)
        # RETURN_PENDING → DISPATCHED is a denied return, not a dispatch.
        _require_state(need, {NeedStatus.ACCEPTED})
        _require_move(need, NeedStatus.DISPATCHED)
        _require_role(is_park_staff(actor))
        liaison = Liaison.objects.select_related("user").get(pk=liaison.pk)
        if not (liaison.is_active and liaison.user.is_active):
            raise NeedActionError(_("This liaison is not active; choose another one."))
        fields = _start_clock(need, now=now)
        from_status = _move(need, NeedStatus.DISPATCHED)
        need.liaison = liaison
        need.department_id = liaison.department_id
        need.dispatched_at = now
        need.signed_at = None
        need.first_contact_at = None
        _save(
            need,
            [
                "status",
                "liaison",
                "department",
                "dispatched_at",
                "signed_at",
                "first_contact_at",
                *fields,
            ],
        )
        note = note.strip()
        _log(
            need,
            actor,
            NeedEventAction.DISPATCH,
            moved_from=from_status,
            data=[line("liaison", name=liaison.user.get_full_name())],
        )
        if note:
            # The staff's instructions are for the liaison, not for the firm's timeline.
            _log(need, actor, NeedEventAction.COMMENT, note=note, is_public=False)
        notify_about_need(
            need,
            kind="need_dispatched",
            recipients=[liaison.user],
            actor=actor,
            deadline=need.sign_due,
            note=note,
            resolve_due=need.resolve_due,
        )
        notify_about_need(
            need,
            kind="need_dispatched_enterprise",
            recipients=enterprise_users(need),
            actor=actor,
            deadline=need.resolve_due,
            liaison=liaison.user.get_full_name(),
            liaison_phone=liaison.phone or liaison.user.phone,
        )
    return need


# --- The liaison's work -------------------------------------------------------------------------


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
        need = _lock(need, expected_status)
        _require_state(need, {NeedStatus.DISPATCHED, NeedStatus.REOPENED})
        _require_move(need, NeedStatus.IN_PROGRESS)
        _require_role(_is_liaison(actor, need))
        from_status = _move(need, NeedStatus.IN_PROGRESS)
        need.signed_at = now
        _save(need, ["status", "signed_at"])
        _log(need, actor, NeedEventAction.SIGN, moved_from=from_status)
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
        need = _lock(need, expected_status)
        _require_state(need, CONTACT_STATUSES)
        _require_role(_is_liaison(actor, need))
        note = _text(note, _("Write what was discussed."))
        fields = _first_contact(need, now)
        if fields:
            _save(need, fields)
        _log(
            need,
            actor,
            NeedEventAction.VISIT if visit else NeedEventAction.CONTACT,
            note=note,
            is_public=is_public,
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
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.WAITING_ENTERPRISE)
        _require_role(_is_liaison(actor, need))
        note = _text(note, _("Say what information the enterprise should provide."))
        from_status = _move(need, NeedStatus.WAITING_ENTERPRISE)
        need.paused_since = now
        _save(need, ["status", "paused_since", *_first_contact(need, now)])
        _log(need, actor, NeedEventAction.REQUEST_INFO, moved_from=from_status, note=note)
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
        need = _lock(need, expected_status)
        _require_state(need, {NeedStatus.WAITING_ENTERPRISE})
        _require_move(need, NeedStatus.IN_PROGRESS)
        _require_role(_is_secretary(actor, need.enterprise_id))
        note = _text(note, _("Write the information asked for."))
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
        from_status = _move(need, NeedStatus.IN_PROGRESS)
        _save(need, fields)
        _log(need, actor, NeedEventAction.SUPPLY_INFO, moved_from=from_status, note=note)
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
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.RETURN_PENDING)
        _require_role(_is_liaison(actor, need))
        if need.return_count >= MAX_RETURNS:
            raise NeedActionError(
                _(
                    "Need %(number)s has already been returned %(count)s times: the park "
                    "staff's ruling is final and it cannot be returned again."
                )
                % {"number": need.number, "count": need.return_count}
            )
        reason = _text(reason, _("Give the reason for the return."))
        need.status_before_return = need.status
        from_status = _move(need, NeedStatus.RETURN_PENDING)
        _save(need, ["status", "status_before_return"])
        _log(
            need,
            actor,
            NeedEventAction.REQUEST_RETURN,
            moved_from=from_status,
            note=reason,
            is_public=False,
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
        need = _lock(need, expected_status)
        _require_state(need, {NeedStatus.RETURN_PENDING})
        target = NeedStatus.ACCEPTED if approve else need.status_before_return
        if not target:
            raise _refuse_state(need)
        _require_move(need, target)
        _require_role(is_park_staff(actor))
        note = (note or "").strip()
        if not approve:
            note = _text(note, _("Give the reason for denying the return."))
        liaison_user = need.liaison.user if need.liaison_id is not None else None
        from_status = _move(need, target)
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
        _save(need, fields)
        _log(
            need,
            actor,
            NeedEventAction.APPROVE_RETURN if approve else NeedEventAction.DENY_RETURN,
            moved_from=from_status,
            note=note,
            is_public=False,
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
        need = _lock(need, expected_status)
        _require_state(need, EXTENSION_REQUEST_STATUSES)
        _require_role(_is_liaison(actor, need))
        reason = _text(reason, _("Give the reason for the extension."))
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
        _save(need, ["extension_requested"])
        _log(
            need,
            actor,
            NeedEventAction.REQUEST_EXTENSION,
            note=reason,
            data=[line("extension_requested", days=workdays)],
            is_public=False,
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
        need = _lock(need, expected_status)
        _require_state(need, EXTENSION_DECISION_STATUSES)
        _require_role(is_park_staff(actor))
        if not need.extension_requested:
            raise NeedActionError(_("No extension request is waiting for a decision."))
        note = (note or "").strip()
        if not approve:
            note = _text(note, _("Give the reason for denying the extension."))
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
        _save(need, fields)
        _log(
            need,
            actor,
            (NeedEventAction.APPROVE_EXTENSION if approve else NeedEventAction.DENY_EXTENSION),
            note=note,
            data=(
                [line("extension_granted", days=workdays, due=need.resolve_due)] if approve else []
            ),
            # The firm is told its new date; a refusal is between the office and the liaison.
            is_public=approve,
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
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.LONG_TERM)
        _require_role(_is_liaison(actor, need))
        note = _text(note, _("Explain why the need is followed up long-term."))
        from_status = _move(need, NeedStatus.LONG_TERM)
        need.milestone_due = deadlines.one_month_later(now)
        need.extension_requested = 0
        _save(
            need,
            ["status", "milestone_due", "extension_requested", *_first_contact(need, now)],
        )
        _log(need, actor, NeedEventAction.LONG_TERM, moved_from=from_status, note=note)
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
        need = _lock(need, expected_status)
        _require_state(need, MILESTONE_STATUSES)
        _require_role(_is_liaison(actor, need))
        note = _text(note, _("Write the progress made."))
        need.milestone_due = deadlines.one_month_later(now)
        _save(need, ["milestone_due", *_first_contact(need, now)])
        _log(need, actor, NeedEventAction.MILESTONE, note=note)
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
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.REPLIED)
        _require_role(_is_liaison(actor, need))
        resolution = _text(resolution, _("Write how the need was resolved."))
        limit = deadlines.time_limit_get(category=need.category, urgency=need.urgency)
        rating = deadlines.rating_deadline(replied_at=now, limit=limit)
        from_status = _move(need, NeedStatus.REPLIED)
        need.resolution = resolution
        need.replied_at = now
        need.rating_due, need.rating_hours = rating.at, limit.rating_hours
        # The flag describes the deadlines still to meet: now only the firm's rating window.
        need.deadline_estimated = rating.estimated
        need.milestone_due = None
        need.extension_requested = 0
        _save(
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
        _log(need, actor, NeedEventAction.REPLY, moved_from=from_status, note=resolution)
        notify_about_need(
            need,
            kind="need_replied",
            recipients=enterprise_users(need),
            actor=actor,
            note=resolution,
            deadline=need.rating_due,
        )
    return need


# --- Rating, return visit, reopening ------------------------------------------------------------


def _reopen(need: Need, *, now: datetime) -> list[str]:
    """REOPENED (重办): a new clock from now for the same liaison; the firm's 不满意 counts."""
    fields = _start_clock(need, now=now, first_contact=False)
    need.status = NeedStatus.REOPENED
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
        need = _lock(need, expected_status)
        _require_state(need, {NeedStatus.REPLIED})
        _require_role(_is_secretary(actor, need.enterprise_id))
        if satisfaction not in Satisfaction.values:
            raise NeedActionError(_("Choose how satisfied you are."))
        comment = (comment or "").strip()
        if satisfaction == Satisfaction.UNSATISFIED:
            comment = _text(comment, _("Tell us what is still wrong, so it can be redone."))
        from_status = need.status
        need.satisfaction = satisfaction
        need.satisfaction_comment = comment
        need.rated_at = now
        fields = ["satisfaction", "satisfaction_comment", "rated_at"]
        if satisfaction in SATISFIED:
            need.status = NeedStatus.CLOSED
            need.closed_at = now
            fields += ["status", "closed_at"]
        else:
            fields += _reopen(need, now=now)
        _save(need, fields)
        _log(
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
        need = _lock(need, expected_status)
        _require_state(need, RETURN_VISIT_STATUSES)
        _require_role(is_park_staff(actor))
        note = _text(note, _("Write what the enterprise said."))
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
            fields += _reopen(need, now=now)
        elif need.status == NeedStatus.REPLIED:
            need.status = NeedStatus.CLOSED
            need.closed_at = now
            fields += ["status", "closed_at"]
        if fields:
            _save(need, fields)
        _log(
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
        need = _lock(need, expected_status)
        _require_move(need, NeedStatus.REOPENED)
        _require_role(is_park_staff(actor))
        reason = _text(reason, _("Give the reason for reopening the need."))
        from_status = need.status
        _save(need, _reopen(need, now=now))
        _log(need, actor, NeedEventAction.REOPEN, moved_from=from_status, note=reason)
        _notify_reopened(need, actor=actor, reason=reason, by_enterprise=False)
    return need


# --- Notes and attachments ----------------------------------------------------------------------


def need_add_note(
    *,
    need: Need,
    actor: User,
    note: str,
    is_public: bool,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """A note on the timeline. The firm writes public notes only; supervisors internal ones."""
    with transaction.atomic():
        need = _lock(need, expected_status)
        _require_state(need, NOTE_STATUSES)
        by_enterprise = _is_secretary(actor, need.enterprise_id)
        if is_public:
            allowed = by_enterprise or is_park_staff(actor) or _is_liaison(actor, need)
        else:
            allowed = (
                is_park_staff(actor) or _is_liaison(actor, need) or _is_supervisor(actor, need)
            )
        _require_role(allowed)
        note = _text(note, _("Write a note."))
        _log(need, actor, NeedEventAction.COMMENT, note=note, is_public=is_public)
        if by_enterprise and is_public:
            # The firm's word goes to whoever holds the need: its liaison, else the office.
            recipients = liaison_users(need) or park_staff_users()
            notify_about_need(need, kind="need_note", recipients=recipients, actor=actor, note=note)
    return need


def need_attach(
    *,
    need: Need,
    actor: User,
    upload: UploadedFile,
    is_public: bool = True,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> NeedAttachment:
    """Keep a file (already checked by liaisons.uploads) with the need.

    The firm's own files are always visible to it; the liaison may keep a file internal.
    """
    with transaction.atomic():
        need = _lock(need, expected_status)
        _require_state(need, ATTACH_STATUSES)
        if _is_secretary(actor, need.enterprise_id):
            _require_role(is_public)
        else:
            _require_role(_is_liaison(actor, need))
        original = os.path.basename((upload.name or "").replace("\\", "/")).strip()
        if not original:
            raise NeedActionError(_("The file has no name."))
        max_length = NeedAttachment._meta.get_field("original_name").max_length
        if len(original) > max_length:
            stem, extension = os.path.splitext(original)
            original = stem[: max_length - len(extension)] + extension
        attachment = NeedAttachment(
            need=need,
            original_name=original,
            size=upload.size or 0,
            uploaded_by=actor,
            is_public=is_public,
        )
        attachment.file.save(original, upload, save=False)
        attachment.save()
    return attachment
