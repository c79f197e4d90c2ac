"""The shell's tables, taken over as they are: the dashboards' summaries (created by
`liaisons` 0006) and the weekly reports (created by `alliance` 0005). The state moves here; the
tables keep their names, so the database is not touched."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("chains", "0001_initial"),
        ("liaisons", "0011_needevent_notes_as_codes"),
        ("alliance", "0006_calendar_year"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MeetingDashboardSummary",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("month", models.DateField()),
                        ("held", models.PositiveIntegerField()),
                        ("invited", models.PositiveIntegerField()),
                        ("attended", models.PositiveIntegerField()),
                        ("refreshed_at", models.DateTimeField()),
                    ],
                    options={
                        "verbose_name": "meetings dashboard summary",
                        "verbose_name_plural": "meetings dashboard summaries",
                        "db_table": "liaisons_meetingdashboardsummary",
                    },
                ),
                migrations.CreateModel(
                    name="NeedDashboardSummary",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("status", models.CharField(max_length=20)),
                        ("category", models.CharField(max_length=20)),
                        ("late", models.BooleanField()),
                        ("month", models.DateField(blank=True, null=True)),
                        ("needs", models.PositiveIntegerField()),
                        ("dispatched", models.PositiveIntegerField()),
                        ("sign_total", models.PositiveIntegerField()),
                        ("sign_on_time", models.PositiveIntegerField()),
                        ("resolve_total", models.PositiveIntegerField()),
                        ("resolve_on_time", models.PositiveIntegerField()),
                        ("rated", models.PositiveIntegerField()),
                        ("satisfied", models.PositiveIntegerField()),
                        ("refreshed_at", models.DateTimeField()),
                        (
                            "chain",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="chains.industrychain",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "needs dashboard summary",
                        "verbose_name_plural": "needs dashboard summaries",
                        "db_table": "liaisons_needdashboardsummary",
                    },
                ),
                migrations.CreateModel(
                    name="WeeklyReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "week_start",
                            models.DateField(
                                help_text="A Monday.", unique=True, verbose_name="week starting"
                            ),
                        ),
                        ("generated_at", models.DateTimeField(verbose_name="generated at")),
                        ("data", models.JSONField(default=dict, verbose_name="figures")),
                        (
                            "generated_by",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty when the Monday schedule generated it.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="generated by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "weekly report",
                        "verbose_name_plural": "weekly reports",
                        "db_table": "alliance_weeklyreport",
                        "ordering": ["-week_start"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
