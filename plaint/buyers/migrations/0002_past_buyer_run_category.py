from django.db import migrations, models


def category_of_case(apps, schema_editor):
    """Copy each run's category from its case (every run so far is of one case, whose category is fixed)."""
    run = apps.get_model("buyers", "PastBuyerRun")
    case = apps.get_model("cases", "Case")
    run.objects.update(category=models.Subquery(case.objects.filter(pk=models.OuterRef("case_id")).values("category")))


class Migration(migrations.Migration):
    dependencies = [
        ("buyers", "0001_past_buyer_runs_and_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="pastbuyerrun",
            name="category",
            field=models.CharField(default="", max_length=50),
            preserve_default=False,
        ),
        migrations.RunPython(category_of_case, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="pastbuyerrun",
            index=models.Index(fields=["listing", "category"], name="past_buyer_run_listing"),
        ),
    ]
