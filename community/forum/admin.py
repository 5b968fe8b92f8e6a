from django.contrib import admin
from django.http import HttpRequest

from community.forum.models import Board, Post, Thread


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "position",
        "visibility",
        "posting_policy",
        "allows_anonymous",
        "is_archived",
        "thread_count",
        "post_count",
        "last_post_at",
    ]
    list_editable = ["position"]
    list_filter = ["visibility", "posting_policy", "is_archived"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["position", "id"]
    readonly_fields = ["thread_count", "post_count", "last_post_at"]
    fields = [
        "name",
        "slug",
        "description",
        "position",
        "visibility",
        "posting_policy",
        "allows_anonymous",
        "is_archived",
        "thread_count",
        "post_count",
        "last_post_at",
    ]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Read-mostly: moderators change threads through the moderation actions."""

    list_display = [
        "title",
        "board",
        "author",
        "state",
        "is_pinned",
        "is_locked",
        "reply_count",
        "last_post_at",
    ]
    list_filter = ["state", "is_pinned", "is_locked", "board"]
    list_select_related = ["board", "author"]
    search_fields = ["title", "author__username"]
    ordering = ["-last_post_at"]
    show_full_result_count = False
    raw_id_fields = ["author", "last_poster"]
    readonly_fields = [
        "reply_count",
        "last_post_at",
        "last_poster",
        "last_post_anonymous",
        "last_position",
        "last_published_position",
        "created_at",
        "state",
    ]
    fields = [
        "board",
        "title",
        "author",
        "is_anonymous",
        "state",
        "is_pinned",
        "is_locked",
        *readonly_fields[:-1],
    ]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Members' words are never edited or deleted here; moderators hide through actions."""

    list_display = ["id", "thread", "position", "author", "state", "created_at"]
    list_filter = ["state", "thread__board"]
    list_select_related = ["thread", "author"]
    search_fields = ["author__username", "thread__title"]
    ordering = ["-created_at"]
    show_full_result_count = False
    raw_id_fields = ["thread", "author", "reply_to"]
    readonly_fields = [
        "thread",
        "author",
        "is_anonymous",
        "position",
        "reply_to",
        "body_source",
        "state",
        "created_at",
        "edited_at",
        "support_count",
        "me_too_count",
        "helpful_count",
    ]
    fields = list(readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
