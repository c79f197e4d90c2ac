"""Signals of the core, for the apps to act on without the core importing them."""

from django.dispatch import Signal

# The working calendar changed (a day entered, edited or removed; a year marked complete or
# taken back). Sent inside the transaction that changed it; a receiver that counts deadlines
# again defers its work to the commit. Arguments: none besides `sender`.
calendar_changed = Signal()
