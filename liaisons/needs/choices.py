"""A need's categories, urgencies, states and the codes of its timeline entries.

They sit below the models and the workflow table, so that the table (`liaisons.needs.workflow`)
can be read by the models (`Need.can_transition_to`) without importing them back.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Awaiting sign-for")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ENTERPRISE = "waiting_enterprise", _("Waiting for the enterprise")
    LONG_TERM = "long_term", _("Long-term follow-up")
    RETURN_PENDING = "return_pending", _("Return under review")
    REPLIED = "replied", _("Replied (awaiting rating)")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted")
    MERGED = "merged", _("Merged")


class NeedEventAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    ACCEPT = "accept", _("Accepted")
    REJECT = "reject", _("Not accepted")
    MERGE = "merge", _("Merged")
    DISPATCH = "dispatch", _("Dispatched")
    SIGN = "sign", _("Signed for")
    CONTACT = "contact", _("Contact logged")
    VISIT = "visit", _("Visit logged")
    REQUEST_INFO = "request_info", _("Information requested")
    SUPPLY_INFO = "supply_info", _("Information supplied")
    REQUEST_RETURN = "request_return", _("Return requested")
    APPROVE_RETURN = "approve_return", _("Return approved")
    DENY_RETURN = "deny_return", _("Return denied")
    REQUEST_EXTENSION = "request_extension", _("Extension requested")
    APPROVE_EXTENSION = "approve_extension", _("Extension approved")
    DENY_EXTENSION = "deny_extension", _("Extension denied")
    LONG_TERM = "long_term", _("Marked long-term")
    MILESTONE = "milestone", _("Milestone reply")
    REPLY = "reply", _("Replied")
    RATE = "rate", _("Rated")
    RETURN_VISIT = "return_visit", _("Return visit logged")
    REOPEN = "reopen", _("Reopened")
    CLOSE = "close", _("Closed")
    ESCALATE = "escalate", _("Deadline escalation")
    RECOUNT = "recount", _("Deadlines recounted")
    LINK_RESOURCE = "link_resource", _("Resource linked")
    UNLINK_RESOURCE = "unlink_resource", _("Resource unlinked")
    ACTION_ITEM = "project", _("Turned into an action item")
    COMMENT = "comment", _("Note")


class NeedCategory(models.TextChoices):
    FINANCING = "financing", _("Financing")
    HIRING = "hiring", _("Hiring and labour")
    TALENT = "talent", _("Talent attraction and training")
    PERMITS = "permits", _("Permits and approvals")
    SITES = "sites", _("Sites and land")
    FUNDS = "funds", _("Subsidies and awards")
    BUSINESS_ENV = "business_env", _("Business environment")
    TECHNOLOGY = "technology", _("Technology breakthroughs")
    MATCHMAKING = "matchmaking", _("Supply-demand matchmaking")
    SRDI = "srdi", _("SRDI application")
    SMART_WORKSHOP = "smart_workshop", _("Smart workshop diagnosis")
    CLOUD = "cloud", _("Moving to the cloud")
    IPO = "ipo", _("Shareholding reform and listing")
    PARTY_BUILDING = "party_building", _("Party-building guidance")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    RED = "red", _("Red · urgent")
    YELLOW = "yellow", _("Yellow · important")
    GREEN = "green", _("Green · normal")
