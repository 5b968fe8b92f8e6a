from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "community.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from community.notifications.health import outbox_readiness
        from config.health import register_readiness_check

        # /readyz warns when mail waits long after it is due (config may not import us).
        register_readiness_check("outbox", outbox_readiness)
