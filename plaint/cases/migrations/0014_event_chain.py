"""Hash-chain every case's log (cases/chain.py); existing events are chained in the order the timeline shows them."""

from django.db import migrations, models


def chain_existing(apps, schema_editor):
    # The canonical form is chain.event_hash's, fixed by its SCHEME; the function takes plain values,
    # so the historical models serve.
    from plaint.cases.chain import event_hash

    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    for case_id, reference in Case.objects.order_by("pk").values_list("pk", "reference").iterator():
        previous = ""
        batch = []
        for sequence, event in enumerate(CaseEvent.objects.filter(case_id=case_id).order_by("at", "pk"), start=1):
            event.sequence = sequence
            event.prev_hash = previous
            event.hash = previous = event_hash(
                reference=reference,
                sequence=sequence,
                kind=event.kind,
                actor_id=event.actor_id,
                actor_role=event.actor_role,
                at=event.at,
                from_state=event.from_state,
                to_state=event.to_state,
                reason=event.reason,
                rulebook_version=event.rulebook_version,
                visibility=event.visibility,
                data=event.data,
                prev_hash=event.prev_hash,
            )
            batch.append(event)
        CaseEvent.objects.bulk_update(batch, ["sequence", "prev_hash", "hash"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_appeal_statement")]

    operations = [
        migrations.AddField(model_name="caseevent", name="sequence", field=models.PositiveIntegerField(null=True)),
        migrations.AddField(
            model_name="caseevent", name="prev_hash", field=models.CharField(blank=True, default="", max_length=64)
        ),
        migrations.AddField(model_name="caseevent", name="hash", field=models.CharField(default="", max_length=64)),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
