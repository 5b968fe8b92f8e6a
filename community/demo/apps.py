from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only for its ``seed_demo`` command; it has no models."""

    name = "community.demo"
    label = "demo"
    verbose_name = "Demo data"
