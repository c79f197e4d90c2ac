import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "0003_event_uid_and_series_slot_values")]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="uid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="calendar UID"
            ),
        ),
        migrations.AlterField(
            model_name="historicalevent",
            name="uid",
            field=models.UUIDField(
                db_index=True, default=uuid.uuid4, editable=False, verbose_name="calendar UID"
            ),
        ),
    ]
