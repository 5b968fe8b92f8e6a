"""The outbox as operators see it: read-only, because the system alone writes deliveries and
notifications. Operators look, filter and search, and give dead emails another round of tries.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from community.notifications.health import outbox_health
from community.notifications.models import DeliveryState, EmailDelivery, Notification, PendingFanout
from community.notifications.outbox.sweep import deliveries_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and viewed only: rows written by the system are evidence, not forms."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "category",
        "kind",
        "recipient_name",
        "to_email",
        "state",
        "attempts",
        "send_after",
        "sent_at",
        "short_error",
    ]
    list_filter = ["state", "category", "urgent"]
    list_select_related = ["recipient"]
    search_fields = ["^dedupe_key", "=to_email"]
    ordering = ["-id"]
    actions = ["retry_dead"]
    readonly_fields = [
        "dedupe_key",
        "category",
        "kind",
        "urgent",
        "recipient",
        "to_email",
        "thread",
        "coalesce_key",
        "state",
        "attempts",
        "send_after",
        "claimed_at",
        "lease_until",
        "sent_at",
        "last_error",
        "subject",
        "body_text",
        "created_at",
        "updated_at",
    ]
    fields = list(readonly_fields)

    @admin.display(description="recipient", ordering="recipient__username")
    def recipient_name(self, obj: EmailDelivery) -> str:
        # Members are known by their pseudonym; the address has its own column for bounces.
        return obj.recipient.username if obj.recipient is not None else "—"

    @admin.display(description="last error")
    def short_error(self, obj: EmailDelivery) -> str:
        return Truncator(obj.last_error).chars(80)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The list with the outbox's health above it (the template of this model): how old
        the oldest undelivered email is and how many are in each state, each count a link to
        those rows. Only a page that shows it to someone who may see it counts the rows (an
        action posted here redirects)."""
        context = dict(extra_context or {})
        if request.method == "GET" and self.has_view_or_change_permission(request):
            health = outbox_health()
            context["outbox"] = health
            context["outbox_states"] = [
                (state, label, health.counts[state]) for state, label in DeliveryState.choices
            ]
        return super().changelist_view(request, extra_context=context)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # The form stays read-only; reviving mail is for those allowed to change deliveries.
        return request.user.has_perm("notifications.change_emaildelivery")

    @admin.action(description="Retry dead deliveries", permissions=["retry"])
    def retry_dead(self, request: HttpRequest, queryset: QuerySet[EmailDelivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        revived = deliveries_retry(ids=ids)
        skipped = len(ids) - revived
        message = f"{revived} dead deliveries will be sent again."
        if skipped:
            message += f" {skipped} skipped: they were not dead."
        self.message_user(request, message, messages.SUCCESS if revived else messages.WARNING)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "created_at", "read_at", "email_link"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["=recipient__username"]
    ordering = ["-id"]
    readonly_fields = [
        "recipient",
        "kind",
        "actor",
        "board",
        "thread",
        "post",
        "data",
        "email",
        "created_at",
        "read_at",
    ]
    fields = list(readonly_fields)

    @admin.display(description="email")
    def email_link(self, obj: Notification) -> str:
        if obj.email_id is None:
            return "—"
        url = reverse("admin:notifications_emaildelivery_change", args=[obj.email_id])
        return format_html('<a href="{}">#{}</a>', url, obj.email_id)


@admin.register(PendingFanout)
class PendingFanoutAdmin(ReadOnlyAdmin):
    """Published posts whose notifications are not made yet; the sweeper re-enqueues old ones."""

    list_display = ["post_id", "created_at"]
    ordering = ["created_at"]
    readonly_fields = ["post", "created_at"]
    fields = list(readonly_fields)
