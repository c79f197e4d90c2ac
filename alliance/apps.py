from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShellConfig(AppConfig):
    """The shell: home pages, dashboards, the weekly report, the demo.

    Its tables (`alliance.models`): the dashboards' summaries and the weekly reports."""

    name = "alliance"
    label = "portal"
    verbose_name = _("Portal")
