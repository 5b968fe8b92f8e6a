from django.db import migrations, models


def account_mail_is_urgent(apps, schema_editor):
    """Account mail waiting to be sent goes ahead of notifications from now on."""
    EmailDelivery = apps.get_model("notifications", "EmailDelivery")
    EmailDelivery.objects.filter(category="essential", urgent=False).exclude(
        state__in=["sent", "dead", "skipped"]
    ).update(urgent=True)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_email_leases"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="emaildelivery",
            name="notifications_email_due",
        ),
        migrations.AddField(
            model_name="emaildelivery",
            name="admitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="emaildelivery",
            index=models.Index(
                condition=models.Q(("state__in", ["pending", "failed"])),
                fields=["-urgent", "send_after", "id"],
                name="notifications_email_due",
            ),
        ),
        migrations.RunPython(account_mail_is_urgent, migrations.RunPython.noop, elidable=True),
    ]
