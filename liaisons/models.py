"""The models of `liaisons`, one module per sub-domain, all importable from here (Django loads
the app's models from this module).

- `liaisons.org.models`: departments, liaisons, assignments, task forces;
- `liaisons.needs.models` (and `liaisons.needs.choices`): needs, their escalations, timeline and
  attachments;
- `liaisons.resources.models`: department resources;
- `liaisons.action_items.models`: action items.
"""

from liaisons.action_items.models import (
    ACTION_ITEM_TRANSITIONS,
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    ActionItemStatus,
)
from liaisons.needs.choices import NeedCategory, NeedEventAction, NeedStatus, Urgency
from liaisons.needs.models import (
    LADDER_STATUSES,
    NEED_ATTACHMENT_FOLDER,
    NEED_OPEN_STATUSES,
    AppendOnlyError,
    EscalationLevel,
    Need,
    NeedAttachment,
    NeedCounter,
    NeedEscalation,
    NeedEvent,
    NeedTimeLimit,
    Satisfaction,
    need_attachment_path,
)
from liaisons.needs.workflow import NEED_TRANSITIONS
from liaisons.org.models import (
    Department,
    Liaison,
    LiaisonAssignment,
    TaskForceMembership,
    split_tags,
)
from liaisons.resources.models import DepartmentResource

__all__ = [
    "ACTION_ITEM_TRANSITIONS",
    "LADDER_STATUSES",
    "NEED_ATTACHMENT_FOLDER",
    "NEED_OPEN_STATUSES",
    "NEED_TRANSITIONS",
    "ActionItem",
    "ActionItemKind",
    "ActionItemMilestone",
    "ActionItemParticipant",
    "ActionItemProgress",
    "ActionItemStatus",
    "AppendOnlyError",
    "Department",
    "DepartmentResource",
    "EscalationLevel",
    "Liaison",
    "LiaisonAssignment",
    "Need",
    "NeedAttachment",
    "NeedCategory",
    "NeedCounter",
    "NeedEscalation",
    "NeedEvent",
    "NeedEventAction",
    "NeedStatus",
    "NeedTimeLimit",
    "Satisfaction",
    "TaskForceMembership",
    "Urgency",
    "need_attachment_path",
    "split_tags",
]
