from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from community.forum.models import Board, Post, Thread
from community.moderation import services as moderation
from config.admin_shared import Tally, action_form_response


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


THREAD_FIELDS = (
    "board",
    "title",
    "author",
    "is_anonymous",
    "state",
    "is_pinned",
    "is_locked",
    "reply_count",
    "last_post_at",
    "last_poster",
    "last_post_anonymous",
    "last_position",
    "last_published_position",
    "created_at",
)


class MoveForm(forms.Form):
    board = forms.ModelChoiceField(queryset=Board.objects.order_by("position", "id"))


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Read-mostly: moderators lock, pin and move threads through the actions, which call the
    moderation services (counters kept, each change in the audit log)."""

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
    fields = list(THREAD_FIELDS)
    # Only the title is edited here; the rest is the posts' doing or the actions'.
    readonly_fields = [name for name in THREAD_FIELDS if name != "title"]
    actions = ["lock", "unlock", "pin", "unpin", "move"]

    def _each(self, request: HttpRequest, queryset: QuerySet[Thread], verb: Any) -> Tally:
        tally = Tally()
        for pk, title in queryset.values_list("pk", "title"):
            tally.run(f"“{title}”", partial(verb, moderator=request.user, thread_id=pk))
        return tally

    @admin.action(description="Lock: close to replies", permissions=["change"])
    def lock(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        tally = self._each(request, queryset, moderation.thread_lock)
        tally.report(request, done="Locked", already="Already locked, nothing changed")

    @admin.action(description="Unlock: open to replies", permissions=["change"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        tally = self._each(request, queryset, moderation.thread_unlock)
        tally.report(request, done="Unlocked", already="Not locked, nothing changed")

    @admin.action(description="Pin to the top of the board", permissions=["change"])
    def pin(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        tally = self._each(request, queryset, moderation.thread_pin)
        tally.report(request, done="Pinned", already="Already pinned, nothing changed")

    @admin.action(description="Unpin", permissions=["change"])
    def unpin(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        tally = self._each(request, queryset, moderation.thread_unpin)
        tally.report(request, done="Unpinned", already="Not pinned, nothing changed")

    @admin.action(description="Move to another board…", permissions=["change"])
    def move(self, request: HttpRequest, queryset: QuerySet[Thread]) -> TemplateResponse | None:
        threads = list(queryset.values_list("pk", "title"))
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            board = form.cleaned_data["board"]
            tally = Tally()
            for pk, title in threads:
                tally.run(
                    f"“{title}”",
                    partial(
                        moderation.thread_move,
                        moderator=request.user,
                        thread_id=pk,
                        board_id=board.pk,
                    ),
                )
            tally.report(
                request, done=f"Moved to {board.name}", already="Already there, nothing changed"
            )
            return None
        return action_form_response(
            request,
            self,
            action="move",
            title="Move threads",
            intro="These threads, with all their posts, move to the board you choose.",
            form=form,
            items=[title for _, title in threads],
            ids=[pk for pk, _ in threads],
            submit="Move",
        )


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
    actions = ["hide", "restore"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def _each(self, request: HttpRequest, queryset: QuerySet[Post], verb: Any) -> Tally:
        tally = Tally()
        for pk in queryset.values_list("pk", flat=True):
            tally.run(f"post #{pk}", partial(verb, moderator=request.user, post_id=pk))
        return tally

    @admin.action(description="Hide from members (the author is told)", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        tally = self._each(request, queryset, moderation.post_hide)
        tally.report(request, done="Hidden", already="Already hidden, nothing changed")

    @admin.action(description="Restore hidden posts", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        tally = self._each(request, queryset, moderation.post_restore)
        tally.report(request, done="Restored", already="Already published, nothing changed")
