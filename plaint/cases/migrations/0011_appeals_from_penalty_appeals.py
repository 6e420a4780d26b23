from django.core.management.color import no_style
from django.db import migrations

# PenaltyAppeal.state -> (Appeal.state, Appeal.result)
STATES = {"pending": ("awaiting_decision", ""), "overturned": ("decided", "overturned"), "rejected": ("decided", "confirmed")}


def penalty_appeals_to_appeals(apps, schema_editor):
    """Every merchant's penalty appeal becomes an Appeal with the same id (clocks and events name it by id)."""
    PenaltyAppeal = apps.get_model("enforcement", "PenaltyAppeal")
    Appeal = apps.get_model("cases", "Appeal")
    rows = []
    for old in PenaltyAppeal.objects.select_related("decision").order_by("id").iterator(chunk_size=2000):
        state, result = STATES[old.state]
        rows.append(
            Appeal(
                id=old.id,
                case_id=old.decision.case_id,
                decision_id=old.decision_id,
                party="merchant",
                filed_by_id=old.filed_by_id,
                grounds=old.grounds,
                appealed="penalty",
                route="reconsideration",
                state=state,
                rulebook_version=old.decision.rulebook_version,
                filed_at=old.filed_at,
                result=result,
                reasons=old.reasons,
                decided_by_id=old.decided_by_id,
                decided_at=old.decided_at,
            )
        )
    Appeal.objects.bulk_create(rows, batch_size=2000)
    # Rows inserted with explicit ids leave PostgreSQL's sequence behind them.
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Appeal]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_appeals"),
        ("enforcement", "0004_rectifications"),
    ]

    operations = [migrations.RunPython(penalty_appeals_to_appeals, migrations.RunPython.noop)]
