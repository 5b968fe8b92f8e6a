from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "community.moderation"
    label = "moderation"
    verbose_name = "Moderation"
