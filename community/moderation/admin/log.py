"""The audit log: read-only for everyone, superusers included."""

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from accounts.models import User
from community.moderation import selectors
from community.moderation.models import (
    ModerationAction,
)
from config.admin_shared import (
    object_url,
    shorten,
)
from config.numbers import client_int


class ActorFilter(admin.SimpleListFilter):
    """Who acted: a moderator or admin, or the system (members' flags). Lists staff only, so
    the filter stays short however many members there are."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        staff = User.objects.filter(Q(is_staff=True) | Q(role__in=["moderator", "admin"]))
        names = staff.order_by("username").values_list("pk", "username")
        return [("system", "The system"), *((str(pk), name) for pk, name in names)]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ModerationAction]
    ) -> QuerySet[ModerationAction]:
        value = self.value()
        if value == "system":
            return queryset.filter(actor__isnull=True)
        actor_id = client_int(value)
        if actor_id is not None:
            return queryset.filter(actor_id=actor_id)
        return queryset


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """Append-only, for everyone, superusers included: the log can be trusted."""

    list_display = [
        "created_at",
        "verb",
        "actor_name",
        "target_name",
        "what",
        "short_reason",
        "details",
    ]
    list_filter = ["verb", ActorFilter]
    list_select_related = ["actor", "target_user", "thread", "resource"]
    search_fields = ["=target_user__username"]
    search_help_text = "The exact pseudonym of the member acted on."
    show_facets = admin.ShowFacets.NEVER
    ordering = ["-created_at", "-id"]
    sortable_by = ()
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = (
        "created_at",
        "verb",
        "actor",
        "target_user",
        "post",
        "thread",
        "resource",
        "reason",
        "data",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModerationAction]:
        return selectors.action_list()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="by")
    def actor_name(self, obj: ModerationAction) -> str:
        return obj.actor.username if obj.actor is not None else "the system"

    @admin.display(description="member")
    def target_name(self, obj: ModerationAction) -> str:
        return obj.target_user.username if obj.target_user is not None else "—"

    @admin.display(description="on")
    def what(self, obj: ModerationAction) -> str:
        if obj.post_id is not None:
            url = object_url("forum_post_change", obj.post_id)
            thread = f" in “{obj.thread.title}”" if obj.thread is not None else ""
            return format_html('<a href="{}">post #{}</a>{}', url, obj.post_id, thread)
        if obj.thread is not None:
            url = object_url("forum_thread_change", obj.thread.pk)
            return format_html('<a href="{}">{}</a>', url, obj.thread.title)
        if obj.resource is not None:
            url = object_url("resources_resource_change", obj.resource.pk)
            return format_html('resource <a href="{}">{}</a>', url, obj.resource.title)
        return "—"

    @admin.display(description="reason")
    def short_reason(self, obj: ModerationAction) -> str:
        return shorten(obj.reason, 100)

    @admin.display(description="details")
    def details(self, obj: ModerationAction) -> str:
        data = obj.data if isinstance(obj.data, dict) else {}
        shown = [f"{key}: {value}" for key, value in data.items() if value not in (None, "")]
        return shorten("; ".join(shown), 120)
