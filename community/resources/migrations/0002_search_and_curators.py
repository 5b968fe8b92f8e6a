"""The library's full-text search vector (PostgreSQL only) and the "Curators" group.

``search_vector`` is a stored generated column with a GIN index: the title weighs A, the
source organisation B and the summary C, so a title match ranks first. The model does not
declare it; ``community.resources.search`` reads it, and the laptop's SQLite searches with a
simpler fallback.

Curators are members trusted with the library: staff in the "Curators" group, which may view
add and change resources and manage tags, and nothing else. Moderators curate too: their group
gets the same permissions. ``curators_group_create`` takes an app registry, so the test suite
(which builds its database without migrations) creates the same groups from the same lists.
"""

from django.db import migrations

GROUP = "Curators"
MODERATORS_GROUP = "Moderators"

PERMISSIONS = [
    ("resources", "resource", ("add", "view", "change")),
    ("resources", "tag", ("add", "change", "view")),
]

FORWARD = [
    """
    ALTER TABLE resources_resource ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce(organisation, '')), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(summary_source, '')), 'C')
        ) STORED
    """,
    "CREATE INDEX IF NOT EXISTS resources_search_vector ON resources_resource "
    "USING gin (search_vector)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS resources_search_vector",
    "ALTER TABLE resources_resource DROP COLUMN IF EXISTS search_vector",
]


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def remove_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("resources")
    # A migration's app configs are stubs without models_module, which the function reads to
    # skip apps without models.
    was = getattr(app_config, "models_module", None)
    app_config.models_module = was or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = was
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, model, actions in PERMISSIONS:
        codenames = [f"{action}_{model}" for action in actions]
        rows = list(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )
        if len(rows) != len(codenames):
            raise RuntimeError(f"Missing permissions for {app_label}.{model}: {codenames}")
        found.extend(rows)
    return found


def curators_group_create(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    permissions = _permissions(apps)
    curators, _ = Group.objects.get_or_create(name=GROUP)
    curators.permissions.set(permissions)
    moderators = Group.objects.filter(name=MODERATORS_GROUP).first()
    if moderators is not None:
        moderators.permissions.add(*permissions)


def curators_group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
        ("moderation", "0002_moderators_group"),
        ("accounts", "0003_user_is_curator"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(add_search_vector, remove_search_vector, elidable=False),
        migrations.RunPython(curators_group_create, curators_group_delete),
    ]
