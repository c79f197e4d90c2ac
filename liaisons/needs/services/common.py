"""What every need service shares: the guard that reads the workflow table, the row lock, the
timeline entry, who is who, and the notifications.

Every move runs in one transaction and follows the same steps: lock the need's row, refuse a
stale page (`expected_status`), refuse what the workflow table does not allow from the current
state or for the person (`begin`), check the input, save the changed fields, append a
`NeedEvent`, and write the notifications (e-mailed after the commit). The check order matters: a
stale page is told it is stale even when the move would also be illegal now, and an illegal move
is reported as such before anyone's role is looked at.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.core.models import User
from alliance.core.notifications import Message, notify_many
from alliance.core.staff import PARK_STAFF_GROUP, is_park_staff
from enterprises.models import EnterpriseContact
from liaisons.exceptions import (
    NeedActionError,
    NeedConflictError,
    NeedPermissionError,
    NeedTransitionError,
)
from liaisons.models import Department, EscalationLevel, Liaison, Need, NeedEvent, NeedStatus
from liaisons.needs import deadlines, workflow
from liaisons.needs.workflow import LIAISON, OVERSEER, SECRETARY, STAFF, NeedAction


def need_detail_path(need: Need) -> str:
    return reverse("liaisons:need-detail", args=[need.pk])


# --- The guard ----------------------------------------------------------------------------------


def lock(need: Need, expected_status: str | None) -> Need:
    """The need's row, locked until the transaction ends, as it is now (not as the page saw it)."""
    locked = Need.objects.select_for_update().get(pk=need.pk)
    require_fresh(locked, expected_status)
    return locked


def require_fresh(locked: Need, expected_status: str | None) -> None:
    if expected_status is not None and locked.status != expected_status:
        raise NeedConflictError(
            _(
                "Need %(number)s has changed since you opened it: it is now “%(status)s”. "
                "Reload the page and check before acting again."
            )
            % {"number": locked.number, "status": locked.get_status_display()}
        )


def refuse_state(need: Need) -> NeedTransitionError:
    return NeedTransitionError(
        _("This cannot be done while need %(number)s is “%(status)s”.")
        % {"number": need.number, "status": need.get_status_display()}
    )


def require_role(allowed: bool) -> None:
    if not allowed:
        raise NeedPermissionError(_("You may not do this on this need."))


def guard(action: str, need: Need, actor: User, *, is_public: bool = True) -> NeedAction:
    """Refuse what the workflow table does not allow: first the state, then the person."""
    rule = workflow.ACTIONS[action]
    if need.status not in rule.from_states:
        raise refuse_state(need)
    require_role(ServiceActor(actor, need).has_any(rule.roles_for(is_public=is_public)))
    return rule


def begin(
    action: str,
    need: Need,
    actor: User,
    expected_status: str | None,
    *,
    is_public: bool = True,
) -> Need:
    """Lock the need and check the action on it as it is now (inside the caller's transaction)."""
    locked = lock(need, expected_status)
    guard(action, locked, actor, is_public=is_public)
    return locked


def move(need: Need, action: str, to: str | None = None) -> str:
    """Set the status the action moves to and return the old one (the caller saves). `to` picks
    among the outcomes of an action that has several; it must be one the table lists."""
    targets = workflow.ACTIONS[action].to_states
    if to is None:
        (to,) = targets
    if to not in targets:
        raise refuse_state(need)
    from_status = need.status
    need.status = to
    return from_status


def take_text(
    action: str, value: str | None, message: str | None = None, *, refused: bool = False
) -> str:
    """The person's text, stripped; refused with `message` when the table requires one (for a
    refusal only, with `refused`) and it is empty."""
    value = (value or "").strip()
    if not value and workflow.ACTIONS[action].text_required(refused=refused):
        raise NeedActionError(message or _("Write a note."))
    return value


def entry_is_public(action: str, *, chosen: bool = True, granted: bool = True) -> bool:
    return workflow.ACTIONS[action].is_public(chosen=chosen, granted=granted)


# --- Saving and the timeline --------------------------------------------------------------------


def save_need(need: Need, fields: Iterable[str]) -> None:
    """Save the fields a move changed; when the escalation ladder depends on one of them, the
    need's next rung is computed again (`deadlines.next_escalation_at`)."""
    fields = [*fields, "updated_at"]
    if deadlines.LADDER_FIELDS.intersection(fields):
        need.next_escalation_at = deadlines.next_escalation_at(need)
        fields.append("next_escalation_at")
    need.save(update_fields=fields)


def log_event(
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
    what the person typed; `data`, the lines the portal writes itself (liaisons.needs.timeline)."""
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


def start_clock(need: Need, *, now: datetime, first_contact: bool = True) -> list[str]:
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


# --- Who is who ---------------------------------------------------------------------------------


def _active(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_secretary(user: User, enterprise_id: int) -> bool:
    return (
        _active(user)
        and EnterpriseContact.objects.filter(user=user, enterprise_id=enterprise_id).exists()
    )


def is_liaison(user: User, need: Need) -> bool:
    return (
        _active(user)
        and need.liaison_id is not None
        and Liaison.objects.filter(pk=need.liaison_id, user=user).exists()
    )


def is_overseer(user: User, need: Need) -> bool:
    """The head of the need's department or the chief of its chain (read and internal notes)."""
    if not _active(user):
        return False
    if (
        need.department_id is not None
        and Department.objects.filter(pk=need.department_id, head=user).exists()
    ):
        return True
    return need.chain_id is not None and need.chain.chief_id == user.pk


_HOLDS = {
    SECRETARY: lambda user, need: is_secretary(user, need.enterprise_id),
    LIAISON: is_liaison,
    STAFF: lambda user, need: is_park_staff(user),
    OVERSEER: is_overseer,
}


@dataclass(frozen=True)
class ServiceActor:
    """A user as the workflow table sees them on one need. Each role is looked up only when
    asked, in the table's order, so a service asks the database what its action needs."""

    user: User
    need: Need

    def has_any(self, roles: Collection[str]) -> bool:
        return any(_HOLDS[role](self.user, self.need) for role in roles)


# --- Who is told --------------------------------------------------------------------------------


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
