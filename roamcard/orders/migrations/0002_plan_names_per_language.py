from django.db import migrations, models

LANGUAGE_COLUMNS = {
    "en": "name_en",
    "zh-hans": "name_zh_hans",
    "zh-hant": "name_zh_hant",
    "ja": "name_ja",
    "ko": "name_ko",
}


def names_from_the_plans(apps, schema_editor):
    """Orders made before plans had names per language take the plan's names as they are
    now; the name each order was bought under stays in plan_name."""
    Order = apps.get_model("orders", "Order")
    Plan = apps.get_model("catalog", "Plan")
    names_by_plan = {}
    for plan in Plan.objects.all():
        names = {code: getattr(plan, column, "") for code, column in LANGUAGE_COLUMNS.items()}
        names_by_plan[plan.pk] = {code: name for code, name in names.items() if name}
    for plan_id, names in names_by_plan.items():
        Order.objects.filter(plan_id=plan_id).update(plan_names=names)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("catalog", "0002_translated_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="plan_names",
            field=models.JSONField(blank=True, default=dict, verbose_name="plan in each language"),
        ),
        migrations.RunPython(names_from_the_plans, migrations.RunPython.noop),
    ]
