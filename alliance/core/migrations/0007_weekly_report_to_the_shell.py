"""WeeklyReport now belong to the shell (`portal` 0001); the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alliance", "0006_calendar_year"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="WeeklyReport"),
            ],
            database_operations=[],
        ),
    ]
