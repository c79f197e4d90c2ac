"""MeetingDashboardSummary, NeedDashboardSummary now belong to the shell (`portal` 0001); the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("liaisons", "0011_needevent_notes_as_codes"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="MeetingDashboardSummary"),
                migrations.DeleteModel(name="NeedDashboardSummary"),
            ],
            database_operations=[],
        ),
    ]
