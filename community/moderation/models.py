"""Moderation: the audit log of every moderator verb, members' flags, and watched words."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Verb(models.TextChoices):
    APPROVE = "approve", "Approved a post"
    REJECT = "reject", "Rejected a post"
    HIDE = "hide", "Hid a post"
    RESTORE = "restore", "Restored a post"
    LOCK = "lock", "Locked a thread"
    UNLOCK = "unlock", "Unlocked a thread"
    PIN = "pin", "Pinned a thread"
    UNPIN = "unpin", "Unpinned a thread"
    MOVE = "move", "Moved a thread"
    SUSPEND = "suspend", "Suspended a member"
    LIFT_SUSPENSION = "lift_suspension", "Lifted a suspension"
    VERIFY_CLINICIAN = "verify_clinician", "Verified a clinician"
    SET_TRUST = "set_trust", "Set a member's trust"
    FLAG_HIDE = "flag_hide", "Hidden by members' flags"
    FLAG_UPHOLD = "flag_uphold", "Upheld flags"
    FLAG_DISMISS = "flag_dismiss", "Dismissed flags"
    MARK_URGENT = "mark_urgent", "Marked urgent"
    CLEAR_URGENT = "clear_urgent", "Cleared urgent"
    RESOURCE_PUBLISH = "resource_publish", "Published a resource"
    RESOURCE_EDIT = "resource_edit", "Edited a resource"
    RESOURCE_ARCHIVE = "resource_archive", "Archived a resource"
    RESOURCE_REVIEW = "resource_review", "Reviewed a resource"


class AppendOnlyError(Exception):
    pass


class ModerationAction(models.Model):
    """One thing a moderator (or the system, on members' flags) did. Append-only: rows are
    never changed or deleted, so the log can be trusted."""

    # None when the system acted (e.g. a post hidden by members' flags).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions",
    )
    verb = models.CharField(max_length=24, choices=Verb.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions_received",
    )
    post = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    thread = models.ForeignKey(
        "forum.Thread", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resource = models.ForeignKey(
        "resources.Resource", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=2000)
    # What changed, e.g. {"from_board": 3, "to_board": 5} or {"until": "..."}.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(verb__in=Verb.values), name="moderation_action_verb"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="moderation_action_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The moderation log is append-only.")


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abuse or harassment"
    MISINFORMATION = "misinformation", "Harmful misinformation"
    CRISIS = "crisis", "Someone may be in crisis"
    OFF_TOPIC = "off_topic", "Off topic"
    OTHER = "other", "Something else"


class FlagState(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


class Flag(models.Model):
    """A member's report of a post, with the text as it was when they reported it."""

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    note = models.TextField(blank=True, max_length=1000)
    snapshot = models.TextField(help_text="The post's text when it was flagged.")
    state = models.CharField(max_length=12, choices=FlagState.choices, default=FlagState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "flagger"],
                condition=Q(state="open"),
                name="moderation_one_open_flag",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=FlagReason.values), name="moderation_flag_reason"
            ),
            models.CheckConstraint(
                condition=Q(state__in=FlagState.values), name="moderation_flag_state"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                name="moderation_flag_open",
                condition=Q(state="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"Flag #{self.pk} on post {self.post_id}: {self.reason}"


class WatchedWordAction(models.TextChoices):
    BLOCK = "block", "Block the post"
    REQUIRE_APPROVAL = "require_approval", "Hold the post for approval"
    FLAG_CRISIS = "flag_crisis", "Mark the post urgent (crisis)"


class WatchedWord(models.Model):
    """A phrase or regular expression moderators watch for in new posts. Moderators add them
    in the admin, whose form refuses a pattern screening could not use
    (``screening.validate_watched_word``)."""

    pattern = models.CharField(max_length=200)
    is_regex = models.BooleanField(default=False, help_text="A regular expression, not a phrase.")
    action = models.CharField(max_length=20, choices=WatchedWordAction.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pattern", "is_regex", "action"], name="moderation_watched_word_unique"
            ),
            models.CheckConstraint(
                condition=Q(action__in=WatchedWordAction.values),
                name="moderation_watched_word_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pattern} ({self.get_action_display()})"
