"""Default time limits, in working hours (one working day = 8 working hours).

The rows are created for every category × urgency after each migrate (and after a test database
flush); staff then adjust them in the admin, and existing rows are never overwritten.
"""

from liaisons.models import NeedCategory, NeedTimeLimit, Urgency

DAY = 8
# Resolve limits by category group: consultation/policy, hiring/talent/environment, and
# financing/permits/funds/sites (the heaviest); values per urgency red, yellow, green.
RESOLVE = {
    "light": (1 * DAY, 3 * DAY, 3 * DAY),
    "medium": (3 * DAY, 5 * DAY, 5 * DAY),
    "heavy": (5 * DAY, 10 * DAY, 15 * DAY),
}
GROUP = {
    NeedCategory.PARTY_BUILDING: "light",
    NeedCategory.SRDI: "light",
    NeedCategory.OTHER: "light",
    NeedCategory.HIRING: "medium",
    NeedCategory.TALENT: "medium",
    NeedCategory.BUSINESS_ENV: "medium",
    NeedCategory.MATCHMAKING: "medium",
    NeedCategory.SMART_WORKSHOP: "medium",
    NeedCategory.CLOUD: "medium",
    NeedCategory.FINANCING: "heavy",
    NeedCategory.PERMITS: "heavy",
    NeedCategory.FUNDS: "heavy",
    NeedCategory.SITES: "heavy",
    NeedCategory.TECHNOLOGY: "heavy",
    NeedCategory.IPO: "heavy",
}
URGENCIES = (Urgency.RED, Urgency.YELLOW, Urgency.GREEN)
ACCEPT = (2, DAY, DAY)
SIGN = (2, 4, DAY)
FIRST_CONTACT = (4, DAY, DAY)
EXTENSION_MAX = (5 * DAY, 10 * DAY, 10 * DAY)
RATING = (2 * DAY, 5 * DAY, 5 * DAY)


def default_limits(category: str, urgency: str) -> dict[str, int]:
    i = URGENCIES.index(urgency)
    return {
        "accept_hours": ACCEPT[i],
        "sign_hours": SIGN[i],
        "first_contact_hours": FIRST_CONTACT[i],
        "resolve_hours": RESOLVE[GROUP[category]][i],
        "extension_max_hours": EXTENSION_MAX[i],
        "rating_hours": RATING[i],
    }


def ensure_default_time_limits(**kwargs) -> int:
    """Create the missing category × urgency rows with the defaults; returns how many."""
    existing = set(NeedTimeLimit.objects.values_list("category", "urgency"))
    missing = [
        NeedTimeLimit(category=category, urgency=urgency, **default_limits(category, urgency))
        for category in NeedCategory.values
        for urgency in Urgency.values
        if (category, urgency) not in existing
    ]
    NeedTimeLimit.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
