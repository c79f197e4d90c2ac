"""The needs as rows of a list: the columns a list shows and its deadline mark needs, read as
plain tuples.

A list row shows a need's number, category, firm, title, liaison, urgency, status and running
deadline. Reading it as a `Need` with its firm, liaison and liaison's user (`select_related`)
builds four model instances from about ninety columns — the user's password hash included — for
the twenty columns shown: on a page of needs that costs more than the page's query itself
(measured in docs/benchmarks.md). `need_rows` reads only those columns, in one
query, into `NeedRow`s that `deadlines.deadline_of` and `need_tags.need_items` read like needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from alliance.core.models import User

# (attribute, lookup) of every column a list row reads.
_COLUMNS = (
    ("pk", "pk"),
    ("number", "number"),
    ("category", "category"),
    ("title", "title"),
    ("urgency", "urgency"),
    ("status", "status"),
    ("enterprise_name", "enterprise__name"),
    ("liaison_id", "liaison_id"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("accepted_at", "accepted_at"),
    ("accept_due", "accept_due"),
    ("signed_at", "signed_at"),
    ("sign_due", "sign_due"),
    ("first_contact_at", "first_contact_at"),
    ("first_contact_due", "first_contact_due"),
    ("resolve_due", "resolve_due"),
    ("milestone_due", "milestone_due"),
    ("rating_due", "rating_due"),
    ("escalation_level", "escalation_level"),
)
# The liaison's name as `User.get_full_name` gives it (NULL when no liaison is set).
_LIAISON_NAME = (
    "liaison__user__full_name",
    "liaison__user__first_name",
    "liaison__user__last_name",
    "liaison__user__username",
)
ROW_FIELDS = tuple(name for name, _lookup in _COLUMNS)
# Annotations a list may be ordered by and read back as attributes (the keyset cursor).
ORDERING_ANNOTATIONS = ("running_due",)


class NeedRow:
    """One need of a list. `deadline` is set by `deadlines.mark_deadlines`; the ordering
    annotation read along (`running_due`) is None unless the list asked for it."""

    __slots__ = (*ROW_FIELDS, "liaison_name", "deadline", *ORDERING_ANNOTATIONS)

    def __init__(self, values: tuple, extra: tuple[str, ...] = ()) -> None:
        for name, value in zip(ROW_FIELDS, values, strict=False):
            setattr(self, name, value)
        offset = len(ROW_FIELDS)
        full_name, first_name, last_name, username = values[offset : offset + 4]
        self.liaison_name = (
            User.name_from(full_name, first_name, last_name, username) if username else ""
        )
        for name in ORDERING_ANNOTATIONS:
            setattr(self, name, None)
        for name, value in zip(extra, values[offset + 4 :], strict=True):
            setattr(self, name, value)
        self.deadline = None

    @property
    def id(self) -> int:
        return self.pk

    def __repr__(self) -> str:
        return f"<NeedRow {self.pk} {self.number}>"


def need_rows(queryset: QuerySet, extra: Iterable[str] = ()) -> list[NeedRow]:
    """The needs of `queryset` (its filters, order and slice) as `NeedRow`s, in one query.
    `extra` names annotations of the queryset to read along (of `ORDERING_ANNOTATIONS`)."""
    extra = tuple(extra)
    unknown = set(extra) - set(ORDERING_ANNOTATIONS)
    if unknown:
        raise ValueError(f"not an ordering annotation of a need row: {sorted(unknown)}")
    lookups = [lookup for _name, lookup in _COLUMNS] + list(_LIAISON_NAME) + list(extra)
    return [NeedRow(values, extra) for values in queryset.values_list(*lookups)]


def rows_reader(*extra: str):
    """`need_rows` for a pager (`paging.keyset_page(rows=…)`), reading `extra` along."""

    def read(queryset: QuerySet) -> list[NeedRow]:
        return need_rows(queryset, extra)

    return read


# --- Escalations -------------------------------------------------------------------------------

_ESCALATION_COLUMNS = (
    ("pk", "pk"),
    ("level", "level"),
    ("due_at", "due_at"),
    ("created_at", "created_at"),
    ("need_id", "need_id"),
    ("number", "need__number"),
    ("title", "need__title"),
    ("status", "need__status"),
    ("enterprise_name", "need__enterprise__name"),
    ("department_name", "need__department__name"),
)
_NEED_LIAISON_NAME = tuple(f"need__{lookup}" for lookup in _LIAISON_NAME)


class EscalationRow:
    """One escalation of the supervision page with what its row shows of the need: the need's
    number, title, status, firm, department and liaison. Read like an escalation by the keyset
    pager (`pk`, `created_at`)."""

    __slots__ = (*(name for name, _lookup in _ESCALATION_COLUMNS), "liaison_name")

    def __init__(self, values: tuple) -> None:
        for (name, _lookup), value in zip(_ESCALATION_COLUMNS, values, strict=False):
            setattr(self, name, value)
        full_name, first_name, last_name, username = values[len(_ESCALATION_COLUMNS) :]
        self.liaison_name = (
            User.name_from(full_name, first_name, last_name, username) if username else ""
        )

    def __repr__(self) -> str:
        return f"<EscalationRow {self.pk} {self.number} {self.level}>"


def escalation_rows(queryset: QuerySet) -> list[EscalationRow]:
    """The escalations of `queryset` (its filters, order and slice) as `EscalationRow`s, in one
    query: the supervision page read each with its need, firm, department, liaison and the
    liaison's user as six model instances, a large share of the page (docs/benchmarks.md)."""
    lookups = [lookup for _name, lookup in _ESCALATION_COLUMNS] + list(_NEED_LIAISON_NAME)
    return [EscalationRow(values) for values in queryset.values_list(*lookups)]
