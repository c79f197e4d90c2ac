"""The action items list (行动项目清单): every write and state change of an action item.

Items are created by hand (park staff), from a need ("this need becomes a project": staff or the
need's liaison) or from a meeting decision (events.services calls `action_item_create`). Each
change runs in one transaction: lock the item's row, refuse a stale page, refuse an illegal move
(`ACTION_ITEM_TRANSITIONS`), refuse a person without the right, check the input, save, and let the
history speak: django-simple-history records every saved change of the item with its author and
reason (the status log), milestones and progress reports are rows of their own (progress reports
are append-only). Notifications are written in the same transaction (e-mailed after the commit).

By part: `common` (rights, input checks, helpers), `items` (create, edit, move), `progress`
(milestones, progress reports), `overdue` (the beat's warning).
"""

from liaisons.action_items.services.common import (
    AMOUNT_MAX,
    CHANGE_REASON_MAX,
    CLOSED_STATUSES,
    KIND_FOR_CATEGORY,
    MILESTONE_MAX,
    MILESTONES_MAX,
    MOVE_HINTS,
    NOT_A_PROJECT,
    OPEN_STATUSES,
    TEXT_MAX,
    TITLE_MAX,
    action_item_path,
    can_create,
    can_make_action_item_from,
    can_manage,
    can_report,
    clean_amount,
    kind_for_need,
    participant_users,
)
from liaisons.action_items.services.items import (
    action_item_create,
    action_item_create_from_need,
    action_item_move,
    action_item_update,
)
from liaisons.action_items.services.overdue import (
    OVERDUE_BATCH,
    action_items_warn_overdue,
    overdue_q,
)
from liaisons.action_items.services.progress import (
    milestone_add,
    milestone_complete,
    progress_report,
)

__all__ = [
    "AMOUNT_MAX",
    "CHANGE_REASON_MAX",
    "CLOSED_STATUSES",
    "KIND_FOR_CATEGORY",
    "MILESTONES_MAX",
    "MILESTONE_MAX",
    "MOVE_HINTS",
    "NOT_A_PROJECT",
    "OPEN_STATUSES",
    "OVERDUE_BATCH",
    "TEXT_MAX",
    "TITLE_MAX",
    "action_item_create",
    "action_item_create_from_need",
    "action_item_move",
    "action_item_path",
    "action_item_update",
    "action_items_warn_overdue",
    "can_create",
    "can_make_action_item_from",
    "can_manage",
    "can_report",
    "clean_amount",
    "kind_for_need",
    "milestone_add",
    "milestone_complete",
    "overdue_q",
    "participant_users",
    "progress_report",
]
