"""The dashboards' summary tables: figures counted ahead by a beat task.

The tables keep the names they were created with (the shell reads and writes them; no app does).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from chains.models import IndustryChain


class NeedDashboardSummary(models.Model):
    """The park overview's needs figures, counted ahead by a beat task.

    One row per chain × status × category × overdue × month of dispatch (the month only inside
    the twelve-month rate window, NULL before it), with the KPI counts of `liaisons.needs.kpis`;
    `alliance.dashboards.figures.refresh_need_summary` replaces every row in one INSERT … SELECT,
    all rows sharing one `refreshed_at`. Reading these rows is far cheaper than counting the needs;
    the overview says how old its figures are.
    """

    chain = models.ForeignKey(
        IndustryChain, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    late = models.BooleanField()
    month = models.DateField(null=True, blank=True)
    needs = models.PositiveIntegerField()
    dispatched = models.PositiveIntegerField()
    sign_total = models.PositiveIntegerField()
    sign_on_time = models.PositiveIntegerField()
    resolve_total = models.PositiveIntegerField()
    resolve_on_time = models.PositiveIntegerField()
    rated = models.PositiveIntegerField()
    satisfied = models.PositiveIntegerField()
    refreshed_at = models.DateTimeField()

    class Meta:
        db_table = "liaisons_needdashboardsummary"
        verbose_name = _("needs dashboard summary")
        verbose_name_plural = _("needs dashboard summaries")

    def __str__(self) -> str:
        return f"{self.chain_id} {self.status} {self.category} {self.month}"


class MeetingDashboardSummary(models.Model):
    """The park overview's meetings per month (held, invitations not declined, check-ins),
    counted ahead with the needs summary in the same transaction: on a province-sized table the
    twelve months join every invitation of the year, which takes longer than the whole page may
    (docs/benchmarks.md)."""

    month = models.DateField()
    held = models.PositiveIntegerField()
    invited = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    refreshed_at = models.DateTimeField()

    class Meta:
        db_table = "liaisons_meetingdashboardsummary"
        verbose_name = _("meetings dashboard summary")
        verbose_name_plural = _("meetings dashboard summaries")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
