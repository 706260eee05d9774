import uuid

from django.db import migrations, models


def give_each_message_its_key(apps, schema_editor):
    """Existing rows get a key of their own; queued ones become due for the sweep."""
    Message = apps.get_model("notifications", "Message")
    for message in Message.objects.only("pk", "state", "created_at").iterator():
        message.uuid = uuid.uuid4()
        message.next_attempt_at = message.created_at if message.state == "queued" else None
        message.save(update_fields=["uuid", "next_attempt_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="idempotency key"),
        ),
        migrations.AddField(
            model_name="message",
            name="attempt_started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last attempt started at"),
        ),
        migrations.AddField(
            model_name="message",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.AddField(
            model_name="message",
            name="provider_message_id",
            field=models.CharField(blank=True, max_length=100, verbose_name="provider's message id"),
        ),
        migrations.RunPython(give_each_message_its_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="idempotency key"
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("unknown", "Unknown"),
                ],
                default="queued",
                max_length=8,
                verbose_name="state",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["state", "next_attempt_at"], name="message_due"),
        ),
    ]
