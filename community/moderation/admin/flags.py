"""The flag queue: members' reports, open ones by default, upheld or dismissed."""

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Case, F, QuerySet, When
from django.http import HttpRequest
from django.utils.html import format_html

from community.moderation.models import (
    Flag,
    FlagState,
)
from community.moderation.services import flags
from config.admin_shared import (
    PlainActionCheckbox,
    Tally,
    object_url,
    shorten,
)


class FlagStatusFilter(admin.SimpleListFilter):
    """Open flags unless asked otherwise: the queue is what waits for a decision."""

    title = "status"
    parameter_name = "status"

    @staticmethod
    def chosen(request: HttpRequest) -> str:
        value = request.GET.get("status")
        return value if value in ("open", "resolved", "all") else "open"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("open", "Open"), ("resolved", "Resolved"), ("all", "All")]

    def choices(self, changelist: ChangeList) -> Any:
        chosen = self.value() if self.value() in ("open", "resolved", "all") else "open"
        for value, title in self.lookup_choices:
            yield {
                "selected": value == chosen,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Flag]) -> QuerySet[Flag]:
        status = self.chosen(request)
        if status == "open":
            return queryset.filter(state=FlagState.OPEN)
        if status == "resolved":
            return queryset.exclude(state=FlagState.OPEN)
        return queryset


@admin.register(Flag)
class FlagAdmin(PlainActionCheckbox, admin.ModelAdmin):
    """Members' reports, open ones by default; resolving a flag resolves every open flag of
    its post."""

    list_display = [
        "created_at",
        "state",
        "reason",
        "post_link",
        "post_state",
        "snapshot_excerpt",
        "note_excerpt",
        "flagger_name",
    ]
    list_display_links = ["created_at"]
    list_filter = [FlagStatusFilter, "reason"]
    list_select_related = ["post", "flagger"]
    search_fields = ["=flagger__username", "=post__author__username"]
    search_help_text = "A flagger's or an author's exact pseudonym."
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()
    show_full_result_count = False
    list_per_page = 50
    actions = ["uphold_selected", "dismiss_selected"]
    readonly_fields = (
        "post_link",
        "post_state",
        "flagger_name",
        "reason",
        "note",
        "snapshot",
        "state",
        "created_at",
        "resolved_by",
        "resolved_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        # The flagged post's own text is not shown (the snapshot is): not loaded either.
        return super().get_queryset(request).defer("post__body_source", "post__body_html")

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        status = FlagStatusFilter.chosen(request)
        if status == "open":
            return ["created_at", "id"]  # the longest waiting first (index moderation_flag_open)
        if status == "resolved":
            return ["-created_at", "-id"]
        waiting_since = Case(When(state=FlagState.OPEN, then=F("created_at")))
        return [waiting_since.asc(nulls_last=True), "-created_at", "-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Flags are evidence: resolved through the actions, never edited.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="post")
    def post_link(self, obj: Flag) -> str:
        url = object_url("forum_post_change", obj.post_id)
        return format_html('<a href="{}">#{}</a>', url, obj.post_id)

    @admin.display(description="post is")
    def post_state(self, obj: Flag) -> str:
        return obj.post.get_state_display()

    @admin.display(description="text when flagged")
    def snapshot_excerpt(self, obj: Flag) -> str:
        return shorten(obj.snapshot, 160)

    @admin.display(description="note")
    def note_excerpt(self, obj: Flag) -> str:
        return shorten(obj.note, 120)

    @admin.display(description="flagged by")
    def flagger_name(self, obj: Flag) -> str:
        return obj.flagger.username

    def _resolve(self, request: HttpRequest, queryset: QuerySet[Flag], outcome: str) -> None:
        open_flags = queryset.filter(state=FlagState.OPEN).order_by()
        post_ids = sorted(set(open_flags.values_list("post_id", flat=True)))
        tally = Tally()
        for post_id in post_ids:
            tally.run(
                f"post #{post_id}",
                partial(
                    flags.flag_resolve, moderator=request.user, post_id=post_id, outcome=outcome
                ),
            )
        if not post_ids:
            messages.info(request, "None of the selected flags is open; nothing changed.")
        if outcome == FlagState.UPHELD:
            done = "Upheld the flags; these posts stay hidden"
        else:
            done = "Dismissed the flags; posts the flags had hidden are visible again"
        tally.report(request, done=done, already="Already resolved, nothing changed")

    @admin.action(description="Uphold: keep the post hidden", permissions=["change"])
    def uphold_selected(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._resolve(request, queryset, FlagState.UPHELD)

    @admin.action(description="Dismiss: restore the post", permissions=["change"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._resolve(request, queryset, FlagState.DISMISSED)
