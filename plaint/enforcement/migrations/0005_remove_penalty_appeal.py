from django.db import migrations


class Migration(migrations.Migration):
    """The penalty appeal is now one kind of cases.Appeal; its rows moved there in cases 0010."""

    dependencies = [
        ("enforcement", "0004_rectifications"),
        ("cases", "0011_appeals_from_penalty_appeals"),
    ]

    operations = [migrations.DeleteModel(name="PenaltyAppeal")]
