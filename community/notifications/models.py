from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

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
    # What happened, e.g. "post:42:approved": the same event never notifies anyone twice.
    event_key = models.CharField(max_length=200, blank=True)
    # The email that tells of it (at once, coalesced with others, or in a digest); none when
    # the recipient chose in-app only or it has not been put in a digest yet.
    email = models.ForeignKey(
        "notifications.EmailDelivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
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
            # Digests look for unread notifications not emailed yet.
            models.Index(
                fields=["created_at"],
                name="notifications_undigested",
                condition=Q(read_at__isnull=True, email__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class PendingFanout(models.Model):
    """A published post whose notifications have not been made yet. Written in the same
    transaction as the post; removed in the transaction that makes its notifications and
    emails. The sweeper re-enqueues what the broker lost."""

    post = models.OneToOneField(
        "forum.Post", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Fan-out of post {self.post_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    DEAD = "dead", "Dead (gave up)"
    SKIPPED = "skipped", "Not sent"


class EmailCategory(models.TextChoices):
    # Account mail (verification, password reset): never capped, no unsubscribe header.
    ESSENTIAL = "essential", "Account"
    NOTIFICATION = "notification", "Notification"
    DIGEST = "digest", "Digest"


class EmailDelivery(models.Model):
    """One email in the outbox. Written in the same transaction as what it tells of; sent after
    commit by the ``email`` queue; a sweeper re-sends what the broker lost.

    Account mail is stored rendered. Notification and digest mail is rendered when it is sent,
    from the notifications that point at it, so it only ever holds what the recipient may still
    see and still wants.
    """

    # The same event never makes two rows.
    dedupe_key = models.CharField(max_length=200, unique=True)
    category = models.CharField(max_length=20, choices=EmailCategory.choices)
    # The notification kind that opened it, "daily"/"weekly" for digests, the template for
    # account mail.
    kind = models.CharField(max_length=60, blank=True)
    # Goes ahead of every other due email and is never capped: crisis alerts and account mail.
    urgent = models.BooleanField(default=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email_deliveries",
    )
    to_email = models.EmailField(max_length=254)
    thread = models.ForeignKey(
        "forum.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Notifications with the same key for the same recipient join the one email still pending.
    coalesce_key = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not sent before this: the end of the coalescing window, or the next retry.
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A claim is a lease: the worker holding ``claim`` owns the row until ``lease_until`` and
    # renews it while it sends; once it lapses, any worker may take the row.
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # When the daily cap let this email go; while it is being sent it counts toward the cap of
    # its recipient, so two workers composing at once never let more than the cap through.
    admitted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "email delivery"
        verbose_name_plural = "email deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="notifications_email_state"
            ),
            models.CheckConstraint(
                condition=Q(category__in=EmailCategory.values),
                name="notifications_email_category",
            ),
            # At most one open email per recipient and thread: a burst of replies is one email.
            models.UniqueConstraint(
                fields=["recipient", "coalesce_key"],
                condition=Q(state="pending") & ~Q(coalesce_key=""),
                name="notifications_email_one_open",
            ),
        ]
        indexes = [
            # Claims take urgent mail first, then the longest due.
            models.Index(
                fields=["-urgent", "send_after", "id"],
                name="notifications_email_due",
                condition=Q(state__in=["pending", "failed"]),
            ),
            models.Index(
                fields=["lease_until"],
                name="notifications_email_leased",
                condition=Q(state="sending"),
            ),
            # The daily cap counts what a member was sent in the last day.
            models.Index(
                fields=["recipient", "sent_at"],
                name="notifications_email_sent",
                condition=Q(state="sent"),
            ),
            models.Index(fields=["state", "-id"], name="notifications_email_state_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} email #{self.pk} to {self.to_email}"
