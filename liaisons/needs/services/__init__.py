"""One service per move of the needs workflow (docs/needs.md), by stage: `intake` (draft,
submission, triage, dispatch), `handling` (the liaison's work, returns, extensions), `closing`
(rating, return visit, reopening) and `notes` (notes and files, in any state). Each checks
state and role against the workflow table (`liaisons.needs.workflow`) through one guard
(`common.begin`).

The services are named here, so a caller writes `from liaisons.needs import services` and
`services.need_submit(...)` whatever stage a move belongs to.
"""

from liaisons.needs.services.closing import need_log_return_visit, need_rate, need_reopen
from liaisons.needs.services.handling import (
    need_decide_extension,
    need_decide_return,
    need_log_contact,
    need_mark_long_term,
    need_milestone_reply,
    need_reply,
    need_request_extension,
    need_request_info,
    need_request_return,
    need_sign,
    need_supply_info,
)
from liaisons.needs.services.intake import (
    need_accept,
    need_correct,
    need_create,
    need_dispatch,
    need_merge,
    need_reject,
    need_submit,
    need_update_draft,
)
from liaisons.needs.services.notes import need_add_note, need_attach

__all__ = [
    "need_accept",
    "need_add_note",
    "need_attach",
    "need_correct",
    "need_create",
    "need_decide_extension",
    "need_decide_return",
    "need_dispatch",
    "need_log_contact",
    "need_log_return_visit",
    "need_mark_long_term",
    "need_merge",
    "need_milestone_reply",
    "need_rate",
    "need_reject",
    "need_reopen",
    "need_reply",
    "need_request_extension",
    "need_request_info",
    "need_request_return",
    "need_sign",
    "need_submit",
    "need_supply_info",
    "need_update_draft",
]
