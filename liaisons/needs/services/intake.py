"""Intake: the firm's draft and its submission, park staff's triage (accept, not accept, merge)
and the dispatch to a liaison, where the liaison's clock starts; and staff's corrections of a
need's request in the administration."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from alliance.core.validators import validate_phone
from enterprises.models import Enterprise
from liaisons.exceptions import NeedActionError
from liaisons.models import Liaison, Need, NeedCategory, NeedEventAction, NeedStatus, Urgency
from liaisons.needs import deadlines
from liaisons.needs.numbering import need_number_next
from liaisons.needs.services.common import (
    begin,
    enterprise_users,
    entry_is_public,
    guard,
    is_secretary,
    log_event,
    move,
    notify_about_need,
    park_staff_users,
    require_fresh,
    require_role,
    save_need,
    start_clock,
    take_text,
)
from liaisons.needs.timeline import line

# Fields a secretary may change while the need is a draft.
DRAFT_FIELDS = frozenset(
    {"category", "urgency", "title", "description", "contact_name", "contact_phone"}
)
TITLE_MAX = Need._meta.get_field("title").max_length
CONTACT_NAME_MAX = Need._meta.get_field("contact_name").max_length


def need_correct(*, need: Need, fields: dict) -> Need:
    """Park staff correct a need's request (category, urgency, wording, contact) in the
    administration. Only the changed fields are written, on the locked row: a workflow move made
    meanwhile is kept. A new category or urgency moves the escalation moments with the limit."""
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        save_need(locked, fields)
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


def _submit(need: Need, *, actor: User, now: datetime, created: bool = False) -> None:
    """DRAFT → SUBMITTED (or straight to SUBMITTED at creation): accept clock and staff told."""
    if not need.description.strip():
        raise NeedActionError(_("Describe the need before submitting it."))
    # A need created submitted has no earlier status on its timeline.
    from_status = "" if created else need.status
    move(need, "submit")
    need.submitted_at = now
    limit = deadlines.time_limit_find(category=need.category, urgency=need.urgency)
    # A missing time limit is the office's configuration to fix, never a reason to refuse a firm.
    accept = deadlines.accept_deadline(submitted_at=now, limit=limit) if limit else None
    need.accept_due = accept.at if accept else None
    need.accept_hours = limit.accept_hours if limit else None
    need.deadline_estimated = bool(accept and accept.estimated)
    save_need(need, ["status", "submitted_at", "accept_due", "accept_hours", "deadline_estimated"])
    log_event(need, actor, NeedEventAction.SUBMIT, moved_from=from_status)
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
    require_role(is_secretary(actor, enterprise.pk))
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
            _submit(need, actor=actor, now=now, created=True)
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
        need = begin("update_draft", need, actor, expected_status)
        cleaned = _clean_need_fields(fields)
        for name, value in cleaned.items():
            setattr(need, name, value)
        if cleaned:
            save_need(need, cleaned)
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
        need = begin("submit", need, actor, expected_status)
        _submit(need, actor=actor, now=now)
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
        need = begin("accept", need, actor, expected_status)
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
        from_status = move(need, "accept")
        need.accepted_at = now
        save_need(need, ["status", "accepted_at", *corrections])
        log_event(
            need,
            actor,
            NeedEventAction.ACCEPT,
            moved_from=from_status,
            note=take_text("accept", note),
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
        need = begin("reject", need, actor, expected_status)
        reason = take_text("reject", reason, _("Give the reason for not accepting the need."))
        from_status = move(need, "reject")
        save_need(need, ["status"])
        log_event(need, actor, NeedEventAction.REJECT, moved_from=from_status, note=reason)
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
        require_fresh(need, expected_status)
        guard("merge", need, actor)
        if into.enterprise_id != need.enterprise_id:
            raise NeedActionError(_("Only needs of the same enterprise can be merged."))
        if into.status in {NeedStatus.DRAFT, NeedStatus.REJECTED, NeedStatus.MERGED}:
            raise NeedActionError(
                _("Need %(number)s is “%(status)s” and cannot take in a duplicate.")
                % {"number": into.number, "status": into.get_status_display()}
            )
        from_status = move(need, "merge")
        need.merged_into = into
        save_need(need, ["status", "merged_into"])
        note = take_text("merge", note)
        log_event(
            need,
            actor,
            NeedEventAction.MERGE,
            moved_from=from_status,
            note=note,
            data=[line("merged_into", number=into.number)],
        )
        log_event(
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
        need = begin("dispatch", need, actor, expected_status)
        liaison = Liaison.objects.select_related("user").get(pk=liaison.pk)
        if not (liaison.is_active and liaison.user.is_active):
            raise NeedActionError(_("This liaison is not active; choose another one."))
        fields = start_clock(need, now=now)
        from_status = move(need, "dispatch")
        need.liaison = liaison
        need.department_id = liaison.department_id
        need.dispatched_at = now
        need.signed_at = None
        need.first_contact_at = None
        save_need(
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
        note = take_text("dispatch", note)
        log_event(
            need,
            actor,
            NeedEventAction.DISPATCH,
            moved_from=from_status,
            data=[line("liaison", name=liaison.user.get_full_name())],
        )
        if note:
            log_event(
                need,
                actor,
                NeedEventAction.COMMENT,
                note=note,
                is_public=entry_is_public("dispatch"),
            )
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
