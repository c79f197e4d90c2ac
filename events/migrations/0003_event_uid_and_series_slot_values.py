import uuid

from django.db import migrations


def fill(apps, schema_editor):
    """Give every existing meeting its calendar UID, and every occurrence its series slot."""
    Event = apps.get_model("events", "Event")
    HistoricalEvent = apps.get_model("events", "HistoricalEvent")
    for event in Event.objects.only("pk", "series_id", "starts_at").iterator():
        event.uid = uuid.uuid4()
        fields = ["uid"]
        if event.series_id is not None:
            event.series_slot = event.starts_at
            fields.append("series_slot")
        event.save(update_fields=fields)
        HistoricalEvent.objects.filter(id=event.pk).update(uid=event.uid)
    # History of meetings deleted since: any UID, they are no longer published.
    for row in HistoricalEvent.objects.filter(uid__isnull=True).only("pk").iterator():
        HistoricalEvent.objects.filter(pk=row.pk).update(uid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("events", "0002_event_tools")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
