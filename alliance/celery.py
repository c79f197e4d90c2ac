import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

app = Celery("alliance")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    # kombu's filesystem transport does not create its folders itself.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Every installed app's `tasks` module: the core's (`alliance.core.tasks`), the apps', and the
# shell's, which read every app (`alliance.reports.tasks`, `alliance.dashboards.tasks`).
app.autodiscover_tasks()
app.autodiscover_tasks(["alliance.reports", "alliance.dashboards"])
