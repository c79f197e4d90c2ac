from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Meetings and salons")

    def ready(self) -> None:
        from alliance.core.signals import calendar_changed
        from events.services.series import follow_calendar_on_change

        # A day entered as a holiday after the meetings were placed moves them off it.
        calendar_changed.connect(
            follow_calendar_on_change, dispatch_uid="events.follow_calendar_on_change"
        )
