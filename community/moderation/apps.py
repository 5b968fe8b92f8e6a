from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_delete, post_save


class ModerationConfig(AppConfig):
    name = "community.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from community.moderation import crisis, signals
        from community.moderation.models import WatchedWord

        checks.register(crisis.check_settings)
        # Every process reloads its compiled watched words when the list changes.
        post_save.connect(
            signals.on_watched_word_changed, sender=WatchedWord, dispatch_uid="watched_word_saved"
        )
        post_delete.connect(
            signals.on_watched_word_changed,
            sender=WatchedWord,
            dispatch_uid="watched_word_deleted",
        )
