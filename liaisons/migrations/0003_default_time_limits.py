"""Default time limits of DESIGN §4, in working hours (one working day = 8 working hours)."""

from django.db import migrations

DAY = 8
# Resolve limits by category group: consultation/policy, hiring/talent/environment, and
# financing/permits/funds/sites (the heaviest). Values per urgency: red, yellow, green.
RESOLVE = {
    "light": (1 * DAY, 3 * DAY, 3 * DAY),
    "medium": (3 * DAY, 5 * DAY, 5 * DAY),
    "heavy": (5 * DAY, 10 * DAY, 15 * DAY),
}
GROUP = {
    "party_building": "light",
    "srdi": "light",
    "other": "light",
    "hiring": "medium",
    "talent": "medium",
    "business_env": "medium",
    "matchmaking": "medium",
    "smart_workshop": "medium",
    "cloud": "medium",
    "financing": "heavy",
    "permits": "heavy",
    "funds": "heavy",
    "sites": "heavy",
    "technology": "heavy",
    "ipo": "heavy",
}
URGENCIES = ("red", "yellow", "green")
ACCEPT = (2, DAY, DAY)
SIGN = (2, 4, DAY)
FIRST_CONTACT = (4, DAY, DAY)
EXTENSION_MAX = (5 * DAY, 10 * DAY, 10 * DAY)
RATING = (2 * DAY, 5 * DAY, 5 * DAY)


def create_defaults(apps, schema_editor):
    NeedTimeLimit = apps.get_model("liaisons", "NeedTimeLimit")
    for category, group in GROUP.items():
        for i, urgency in enumerate(URGENCIES):
            NeedTimeLimit.objects.get_or_create(
                category=category,
                urgency=urgency,
                defaults={
                    "accept_hours": ACCEPT[i],
                    "sign_hours": SIGN[i],
                    "first_contact_hours": FIRST_CONTACT[i],
                    "resolve_hours": RESOLVE[group][i],
                    "extension_max_hours": EXTENSION_MAX[i],
                    "rating_hours": RATING[i],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("liaisons", "0002_need_workflow_fields")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
