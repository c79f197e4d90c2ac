class EventActionError(Exception):
    """A change to a meeting that the rules refuse; `message` is translated, for the user."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message
