from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "community.resources"
    label = "resources"
    verbose_name = "Resource library"
