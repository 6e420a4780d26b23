from django.db import migrations, models


class Migration(migrations.Migration):
    """Endpoints that exist keep receiving the v1 signature (their receivers may check only it); new ones do not."""

    dependencies = [
        ("notifications", "0004_outbox_reply_to"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="legacy_signature",
            field=models.BooleanField(default=True),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="legacy_signature",
            field=models.BooleanField(
                default=False,
                help_text="Also send the deprecated v1 signature (X-Plaint-Timestamp, X-Plaint-Signature), which "
                "does not cover the Idempotency-Key. Turn it off once the receiver checks Plaint-Signature (v2).",
            ),
        ),
    ]
