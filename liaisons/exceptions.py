"""Why a move on a need was refused. `message` is translated and meant for the person acting."""


class NeedActionError(Exception):
    """The move cannot be made as asked (bad input or a workflow rule)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class NeedTransitionError(NeedActionError):
    """The move is not allowed from the need's current state."""


class NeedConflictError(NeedActionError):
    """The need changed since the person saw it (another person acted first)."""


class NeedPermissionError(NeedActionError):
    """The person may not make this move (views answer 404 before this is reached)."""


class ActionItemError(NeedActionError):
    """A change to an action item was refused (bad input, an illegal move, no right to act)."""


class ActionItemPermissionError(ActionItemError):
    """The person may not change this action item (views answer 404 before this is reached)."""
