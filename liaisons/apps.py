from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LiaisonsConfig(AppConfig):
    name = "liaisons"
    verbose_name = _("Liaisons and the three lists")

    def ready(self) -> None:
        from alliance.core.signals import calendar_changed
        from liaisons.needs.recount import recount_on_calendar_change
        from liaisons.needs.timelimits import ensure_default_time_limits

        # The core's calendar does not know the needs: the needs listen for its changes.
        calendar_changed.connect(
            recount_on_calendar_change, dispatch_uid="liaisons.recount_on_calendar_change"
        )

        # Like the park staff group: kept in step after every migrate and test-database flush.
        post_migrate.connect(
            ensure_default_time_limits, sender=self, dispatch_uid="liaisons.default_time_limits"
        )
