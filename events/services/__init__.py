"""Every write to meetings, invitations, series and calendar feeds (one module per subject).

Services take keyword-only arguments and `now=None`, run in one transaction, lock the row they
change, refuse a move the rules do not allow with `EventActionError`, and queue their messages
with `alliance.core.notifications.notify` inside that transaction (the e-mails leave after commit).
"""
