"""The need workflow as one table: for every action, the states it is accepted in, the state it
moves the need to, who may take it, the words it takes and who reads them, and the timeline
entry it writes.

Everything that decides whether an action is possible reads this table: the services (one guard,
`liaisons.needs.services.common.guard`), the detail page's list of actions
(`liaisons.needs.views.actions`), the moves a need may make (`NEED_TRANSITIONS`, read by
`Need.can_transition_to`) and the tests, which walk its whole cross product of action × state ×
role. A rule change is an edit here.

The table decides state and role only. What an action also needs (a pending extension to decide
on, fewer than `MAX_RETURNS` returns, a deadline not yet passed, valid input) is the service's
to check, with its own message.

This module imports the states and nothing else of the app, so that the models can read it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from liaisons.needs.choices import NeedEventAction, NeedStatus

# The capacities in which a person deals with a need (a person may hold several).
SECRETARY = "secretary"  # a contact of the need's enterprise
LIAISON = "liaison"  # the need's liaison
STAFF = "staff"  # park staff
OVERSEER = "overseer"  # the need's department head or its chain's chief
ROLES = (SECRETARY, LIAISON, STAFF, OVERSEER)

# Approved returns after which the liaison can no longer ask: the staff's ruling is final.
MAX_RETURNS = 2


class Words(StrEnum):
    """Whether the action's text must be given."""

    NONE = "none"  # the action takes no text
    REQUIRED = "required"
    OPTIONAL = "optional"
    IF_REFUSED = "if_refused"  # required when the answer is no (a denial, 不满意)


class Reader(StrEnum):
    """Who reads the action's timeline entry and its text."""

    PUBLIC = "public"  # the firm too
    INTERNAL = "internal"  # the liaison, park staff and the need's overseers only
    CHOSEN = "chosen"  # the person chooses; `internal_roles` may choose internal
    PUBLIC_IF_GRANTED = "public_if_granted"  # the firm learns of a grant, not of a refusal


@dataclass(frozen=True)
class NeedAction:
    name: str
    # The service carrying the action out, in `liaisons.needs.services`.
    service: str
    from_states: frozenset[str]
    # Where the action moves the need; empty: it stays where it is. An action with several
    # outcomes (approve or deny, 满意 or 不满意) lists each.
    to_states: frozenset[str]
    # Who may take it: with a public text, or with no text at all.
    roles: tuple[str, ...]
    # The argument of the service carrying the person's text, and whether it is required.
    text: str = ""
    words: Words = Words.NONE
    reader: Reader = Reader.PUBLIC
    # For a chosen reader: who may write for the internal timeline (default: `roles`).
    internal_roles: tuple[str, ...] | None = None
    # The timeline entries the action writes (none for a draft's edit or a file).
    timeline: tuple[str, ...] = ()

    @property
    def moves(self) -> bool:
        return bool(self.to_states)

    @property
    def all_roles(self) -> tuple[str, ...]:
        """Everyone who may take the action in some form."""
        extra = tuple(r for r in self.internal_roles or () if r not in self.roles)
        return self.roles + extra

    def roles_for(self, *, is_public: bool = True) -> tuple[str, ...]:
        if is_public or self.internal_roles is None:
            return self.roles
        return self.internal_roles

    def is_public(self, *, chosen: bool = True, granted: bool = True) -> bool:
        """Whether the timeline entry is on the firm's timeline."""
        if self.reader == Reader.CHOSEN:
            return chosen
        if self.reader == Reader.PUBLIC_IF_GRANTED:
            return granted
        return self.reader == Reader.PUBLIC

    def text_required(self, *, refused: bool = False) -> bool:
        return self.words == Words.REQUIRED or (self.words == Words.IF_REFUSED and refused)


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


S = NeedStatus
A = NeedEventAction
ANY = frozenset(NeedStatus.values)
# The liaison's working states: a contact may be logged in each, a reply sent from two.
WORKING = _states(S.IN_PROGRESS, S.LONG_TERM)

ACTIONS: dict[str, NeedAction] = {
    action.name: action
    for action in [
        # --- Intake: the firm's draft, park staff's triage and dispatch --------------------------
        NeedAction(
            name="update_draft",
            service="need_update_draft",
            from_states=_states(S.DRAFT),
            to_states=_states(),
            roles=(SECRETARY,),
        ),
        NeedAction(
            name="submit",
            service="need_submit",
            from_states=_states(S.DRAFT),
            to_states=_states(S.SUBMITTED),
            roles=(SECRETARY,),
            timeline=(A.SUBMIT,),
        ),
        NeedAction(
            name="accept",
            service="need_accept",
            from_states=_states(S.SUBMITTED),
            to_states=_states(S.ACCEPTED),
            roles=(STAFF,),
            text="note",
            words=Words.OPTIONAL,
            timeline=(A.ACCEPT,),
        ),
        NeedAction(
            name="reject",
            service="need_reject",
            from_states=_states(S.SUBMITTED),
            to_states=_states(S.REJECTED),
            roles=(STAFF,),
            text="reason",
            words=Words.REQUIRED,
            timeline=(A.REJECT,),
        ),
        NeedAction(
            name="merge",
            service="need_merge",
            from_states=_states(S.SUBMITTED, S.ACCEPTED),
            to_states=_states(S.MERGED),
            roles=(STAFF,),
            text="note",
            words=Words.OPTIONAL,
            timeline=(A.MERGE,),
        ),
        NeedAction(
            name="dispatch",
            service="need_dispatch",
            from_states=_states(S.ACCEPTED),
            to_states=_states(S.DISPATCHED),
            roles=(STAFF,),
            # The staff's instructions are for the liaison, not for the firm's timeline.
            text="note",
            words=Words.OPTIONAL,
            reader=Reader.INTERNAL,
            timeline=(A.DISPATCH, A.COMMENT),
        ),
        # --- Handling: the liaison's work, returns and extensions ---------------------------------
        NeedAction(
            name="sign",
            service="need_sign",
            from_states=_states(S.DISPATCHED, S.REOPENED),
            to_states=_states(S.IN_PROGRESS),
            roles=(LIAISON,),
            timeline=(A.SIGN,),
        ),
        NeedAction(
            name="contact",
            service="need_log_contact",
            from_states=WORKING | {S.WAITING_ENTERPRISE},
            to_states=_states(),
            roles=(LIAISON,),
            text="note",
            words=Words.REQUIRED,
            reader=Reader.CHOSEN,
            timeline=(A.CONTACT, A.VISIT),
        ),
        NeedAction(
            name="request_info",
            service="need_request_info",
            from_states=_states(S.IN_PROGRESS),
            to_states=_states(S.WAITING_ENTERPRISE),
            roles=(LIAISON,),
            text="note",
            words=Words.REQUIRED,
            timeline=(A.REQUEST_INFO,),
        ),
        NeedAction(
            name="supply_info",
            service="need_supply_info",
            from_states=_states(S.WAITING_ENTERPRISE),
            to_states=_states(S.IN_PROGRESS),
            roles=(SECRETARY,),
            text="note",
            words=Words.REQUIRED,
            timeline=(A.SUPPLY_INFO,),
        ),
        NeedAction(
            name="request_return",
            service="need_request_return",
            from_states=_states(S.DISPATCHED, S.IN_PROGRESS),
            to_states=_states(S.RETURN_PENDING),
            roles=(LIAISON,),
            text="reason",
            words=Words.REQUIRED,
            reader=Reader.INTERNAL,
            timeline=(A.REQUEST_RETURN,),
        ),
        NeedAction(
            name="decide_return",
            service="need_decide_return",
            from_states=_states(S.RETURN_PENDING),
            # Approved: back to ACCEPTED for re-dispatch; denied: back where it came from.
            to_states=_states(S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS),
            roles=(STAFF,),
            text="note",
            words=Words.IF_REFUSED,
            reader=Reader.INTERNAL,
            timeline=(A.APPROVE_RETURN, A.DENY_RETURN),
        ),
        NeedAction(
            name="request_extension",
            service="need_request_extension",
            from_states=_states(S.IN_PROGRESS),
            to_states=_states(),
            roles=(LIAISON,),
            text="reason",
            words=Words.REQUIRED,
            reader=Reader.INTERNAL,
            timeline=(A.REQUEST_EXTENSION,),
        ),
        NeedAction(
            name="decide_extension",
            service="need_decide_extension",
            from_states=_states(S.IN_PROGRESS, S.WAITING_ENTERPRISE, S.RETURN_PENDING),
            to_states=_states(),
            roles=(STAFF,),
            text="note",
            words=Words.IF_REFUSED,
            # The firm is told its new date; a refusal is between the office and the liaison.
            reader=Reader.PUBLIC_IF_GRANTED,
            timeline=(A.APPROVE_EXTENSION, A.DENY_EXTENSION),
        ),
        NeedAction(
            name="long_term",
            service="need_mark_long_term",
            from_states=_states(S.IN_PROGRESS),
            to_states=_states(S.LONG_TERM),
            roles=(LIAISON,),
            text="note",
            words=Words.REQUIRED,
            timeline=(A.LONG_TERM,),
        ),
        NeedAction(
            name="milestone",
            service="need_milestone_reply",
            from_states=_states(S.LONG_TERM),
            to_states=_states(),
            roles=(LIAISON,),
            text="note",
            words=Words.REQUIRED,
            timeline=(A.MILESTONE,),
        ),
        NeedAction(
            name="reply",
            service="need_reply",
            from_states=WORKING,
            to_states=_states(S.REPLIED),
            roles=(LIAISON,),
            text="resolution",
            words=Words.REQUIRED,
            timeline=(A.REPLY,),
        ),
        # --- Closing: rating, return visit, reopening ---------------------------------------------
        NeedAction(
            name="rate",
            service="need_rate",
            from_states=_states(S.REPLIED),
            # 满意/基本满意 close the need; 不满意 reopens it (重办).
            to_states=_states(S.CLOSED, S.REOPENED),
            roles=(SECRETARY,),
            text="comment",
            words=Words.IF_REFUSED,
            timeline=(A.RATE,),
        ),
        NeedAction(
            name="return_visit",
            service="need_log_return_visit",
            from_states=_states(S.REPLIED, S.CLOSED),
            # A replied need closes (or reopens if the firm is unhappy); a closed one may reopen.
            to_states=_states(S.CLOSED, S.REOPENED),
            roles=(STAFF,),
            text="note",
            words=Words.REQUIRED,
            timeline=(A.RETURN_VISIT,),
        ),
        NeedAction(
            name="reopen",
            service="need_reopen",
            # Park staff may reopen a closed need (e.g. after a complaint at the return visit).
            from_states=_states(S.REPLIED, S.CLOSED),
            to_states=_states(S.REOPENED),
            roles=(STAFF,),
            text="reason",
            words=Words.REQUIRED,
            timeline=(A.REOPEN,),
        ),
        # --- Any time: notes and files ------------------------------------------------------------
        NeedAction(
            name="note",
            service="need_add_note",
            from_states=ANY - {S.DRAFT},
            to_states=_states(),
            # The firm writes public notes only; chiefs and department heads internal ones.
            roles=(SECRETARY, LIAISON, STAFF),
            internal_roles=(LIAISON, STAFF, OVERSEER),
            text="note",
            words=Words.REQUIRED,
            reader=Reader.CHOSEN,
            timeline=(A.COMMENT,),
        ),
        NeedAction(
            name="attach",
            service="need_attach",
            from_states=ANY - {S.CLOSED, S.REJECTED, S.MERGED},
            to_states=_states(),
            # The firm's own files are always visible to it; the liaison may keep one internal.
            roles=(SECRETARY, LIAISON),
            internal_roles=(LIAISON,),
            reader=Reader.CHOSEN,
        ),
    ]
}


def _transitions(actions: Iterable[NeedAction]) -> dict[str, frozenset[str]]:
    moves: dict[str, set[str]] = {status: set() for status in NeedStatus.values}
    for action in actions:
        for status in action.from_states:
            moves[status] |= action.to_states - {status}
    return {status: frozenset(targets) for status, targets in moves.items()}


# The moves a need may make: every (from, to) some action of the table makes.
NEED_TRANSITIONS: dict[str, frozenset[str]] = _transitions(ACTIONS.values())


class Actor(Protocol):
    """Whoever acts on a need, as far as the table cares: which of `roles` they hold on it.
    The page passes its `NeedAccess`; the services, a lazy check (`services.common`)."""

    def has_any(self, roles: Collection[str]) -> bool: ...


class _Status(Protocol):
    status: str


def allowed(action: str | NeedAction, need: _Status, actor: Actor, *, is_public: bool = True):
    """Whether `actor` may take `action` on `need` in its current state (the table's answer)."""
    rule = ACTIONS[action] if isinstance(action, str) else action
    return need.status in rule.from_states and actor.has_any(rule.roles_for(is_public=is_public))


def available_actions(need: _Status, actor: Actor) -> list[NeedAction]:
    """The actions the table lets `actor` take on `need` now, in the table's order (a chosen
    reader counts when either form is open to the actor)."""
    return [
        rule
        for rule in ACTIONS.values()
        if need.status in rule.from_states and actor.has_any(rule.all_roles)
    ]
