"""The dashboards' periodic task. Its name stays `alliance.tasks.*`: beat's schedule and
messages already queued know it by that name."""

from celery import shared_task

from alliance.dashboards import figures as dashboards


@shared_task(name="alliance.tasks.refresh_dashboard_summary")
def refresh_dashboard_summary() -> int:
    """Beat, every ten minutes: recount the dashboards' needs and meetings figures. One
    transaction replaces both summaries (an INSERT … SELECT each); a repeat just recounts."""
    return dashboards.refresh_need_summary()
