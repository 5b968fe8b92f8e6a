from django.conf import settings
from django.db import models
from django.db.models import Q

from community.notifications.kinds import Delivery, Kind


class NotificationPreference(models.Model):
    """A member's choice of delivery for one kind. Only choices that differ from the default
    are stored; everything else follows ``kinds.RULES``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_pref_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="notifications_pref_kind"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values), name="notifications_pref_delivery"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class EmailSettings(models.Model):
    """How a member's emails are put together: discreet unless they choose otherwise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_settings",
    )
    include_post_text = models.BooleanField(
        default=False, help_text="Quote post text in emails (off: a link to the thread only)."
    )
    timezone = models.CharField(max_length=64, default="UTC", help_text="For digest timing.")

    def __str__(self) -> str:
        return f"Email settings of {self.user_id}"


class Notification(models.Model):
    """Something a member is told about in the app. What it points at is re-checked against
    what the recipient may see each time it is shown."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    board = models.ForeignKey(
        "forum.Board", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    thread = models.ForeignKey(
        "forum.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Small extras a kind needs, e.g. the reason a post was not approved.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="notifications_notification_kind"
            ),
            # One notification of a kind per post and recipient: a fan-out run twice adds none.
            models.UniqueConstraint(
                fields=["recipient", "kind", "post"],
                condition=Q(post__isnull=False),
                name="notifications_once_per_post",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notifications_inbox"),
            models.Index(
                fields=["recipient"],
                name="notifications_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
