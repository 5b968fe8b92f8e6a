"""The moderation queue's own admin page (a proxy of forum posts), and the "Moderators" group:
what volunteers may see and do in the admin. Members with the moderator role are put in it.

``moderators_group_create`` takes an app registry, so the test suite (which builds its
database without migrations) creates the same group from the same list.
"""

from django.db import migrations

GROUP = "Moderators"

# (app_label, model, actions): view only, unless moderators decide through that page.
PERMISSIONS = [
    ("forum", "post", ("view", "change")),
    ("forum", "thread", ("view", "change")),
    ("forum", "board", ("view",)),
    ("moderation", "pendingpost", ("view", "change")),
    ("moderation", "flag", ("view", "change")),
    ("moderation", "moderationaction", ("view",)),
    ("moderation", "watchedword", ("add", "change", "delete", "view")),
    # Change, for the suspend and trust actions; the admin itself hides login emails and
    # keeps roles, passwords and staff flags away from anyone but admins.
    ("accounts", "user", ("view", "change")),
]


def _permissions_ensure(apps):
    """Permissions are made after all migrations have run; the group needs them now."""
    from django.contrib.auth.management import create_permissions

    for label in ("forum", "moderation", "accounts"):
        app_config = apps.get_app_config(label)
        # A migration's app configs are stubs without models_module, which the function
        # reads to skip apps without models.
        was = getattr(app_config, "models_module", None)
        app_config.models_module = was or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = was


def moderators_group_create(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    _permissions_ensure(apps)

    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = []
    for app_label, model, actions in PERMISSIONS:
        codenames = [f"{action}_{model}" for action in actions]
        found = list(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )
        if len(found) != len(codenames):
            raise RuntimeError(f"Missing permissions for {app_label}.{model}: {codenames}")
        wanted.extend(found)
    group.permissions.set(wanted)

    moderators = User.objects.filter(role="moderator")
    moderators.filter(is_staff=False).update(is_staff=True)
    group.user_set.add(*moderators)


def moderators_group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("forum", "0005_post_is_urgent"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingPost",
            fields=[],
            options={
                "verbose_name": "post waiting for a moderator",
                "verbose_name_plural": "moderation queue",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("forum.post",),
        ),
        migrations.RunPython(moderators_group_create, moderators_group_delete),
    ]
