"""The chain's fields required once every event is chained (0014), and one event per position."""

from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0014, so PostgreSQL alters the table in a transaction without 0014's row updates.
    dependencies = [("cases", "0014_event_chain")]

    operations = [
        migrations.AlterField(model_name="caseevent", name="sequence", field=models.PositiveIntegerField()),
        migrations.AlterField(
            model_name="caseevent", name="prev_hash", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AlterField(model_name="caseevent", name="hash", field=models.CharField(max_length=64)),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.UniqueConstraint(fields=("case", "sequence"), name="event_chain_position"),
        ),
    ]
