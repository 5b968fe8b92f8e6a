"""The moderators' admin site: the queue of posts waiting for a decision, the flag queue, the
audit log and the watched words.

Every decision goes through the moderation services, exactly as the API's do: they check the
moderator, lock the row, skip no-ops and write the audit log. The admin only turns their
results and refusals into messages.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from accounts.models import User
from community.forum.models import Post, PostState
from community.moderation import flags, screening, selectors, services
from community.moderation.models import (
    Flag,
    FlagState,
    ModerationAction,
    WatchedWord,
)
from config.api.errors import ApiError

EXCERPT_CHARS = 280
CONTEXT_CHARS = 160
# Refusals a service may raise; each becomes an error message, never a 500.
REFUSALS = (ApiError, Http404, PermissionDenied, ValidationError)


class PendingPost(Post):
    """Posts as the moderation queue shows them: their own admin page and permissions."""

    class Meta:
        proxy = True
        app_label = "moderation"
        verbose_name = "post waiting for a moderator"
        verbose_name_plural = "moderation queue"


def refusal_message(exc: Exception) -> str:
    """The sentence a service's refusal carries, for an admin message."""
    if isinstance(exc, ApiError):
        return str(exc.detail)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, Http404):
        return "It no longer exists, or you cannot act on it."
    return "You do not have permission to do this."


@dataclass
class Tally:
    """What a batch of service calls did, told back as one message per outcome."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def run(self, label: str, call: Callable[[], Any]) -> None:
        try:
            result = call()
        except REFUSALS as exc:
            self.refused.append(f"{label}: {refusal_message(exc)}")
            return
        (self.changed if result.changed else self.unchanged).append(label)

    def report(self, request: HttpRequest, *, done: str, already: str) -> None:
        """``done`` and ``already`` are sentences about the listed items, e.g. "Approved"."""
        if self.changed:
            messages.success(request, f"{done}: {', '.join(self.changed)}.")
        if self.unchanged:
            messages.info(request, f"{already}: {', '.join(self.unchanged)}.")
        for line in self.refused:
            messages.error(request, f"Not done for {line}")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Sent to the author with the notice that the post was not approved.",
    )


def action_form_response(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    action: str,
    title: str,
    intro: str,
    form: forms.Form,
    items: list[str],
    ids: list[Any],
    submit: str,
) -> TemplateResponse:
    """The page between choosing a bulk action and running it, asking what the action needs
    (a reason, a date); it posts back to the list with the same selection."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "intro": intro,
        "form": form,
        "items": items,
        "ids": ids,
        "action": action,
        "submit": submit,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/moderation/action_form.html", context)


# --- the moderation queue --------------------------------------------------------------------


def _post_label(post: Post) -> str:
    return f"post #{post.pk} by {post.author.username}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def shorten(text: str | None, chars: int) -> str:
    """The start of a text, with an ellipsis when cut. Plain slicing: lists call it per row."""
    text = text or ""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _excerpt(post: Post, chars: int) -> str:
    return shorten(getattr(post, "excerpt", ""), chars)


def object_url(name: str, pk: int) -> str:
    """An admin page's address for a row, without a URL resolver lookup per row."""
    return _url_pattern(name).format(pk)


@cache
def _url_pattern(name: str) -> str:
    return reverse(f"admin:{name}", args=[0]).replace("/0/", "/{}/")


def with_texts(posts: QuerySet[Post]) -> QuerySet[Post]:
    """Adds the start of each post's text and of the published post before it in its thread,
    cut in SQL so whole posts are never loaded."""
    earlier = Post.objects.filter(
        thread=OuterRef("thread"), position__lt=OuterRef("position"), state=PostState.PUBLISHED
    ).order_by("-position")
    return posts.annotate(
        excerpt=Substr("body_source", 1, EXCERPT_CHARS + 1),
        earlier_excerpt=Substr(Subquery(earlier.values("body_source")[:1]), 1, CONTEXT_CHARS + 1),
        earlier_author=Subquery(earlier.values("author__username")[:1]),
    )


class QueueChangeList(ChangeList):
    """Reads the texts for the page's rows only, in one query after paging: deep pages cost
    what the first one does, instead of reading every skipped post's text."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        page = Post.objects.filter(pk__in=[row.pk for row in rows]).only("pk")
        texts = {post.pk: post for post in with_texts(page)} if rows else {}
        for row in rows:
            if row.pk in texts:
                for name in ("excerpt", "earlier_excerpt", "earlier_author"):
                    setattr(row, name, getattr(texts[row.pk], name))
        self.result_list = rows


class PlainActionCheckbox:
    """The row checkbox written as HTML: the admin's own renders a form widget through the
    template engine for every row, which cost the queue page a third of its time."""

    def action_checkbox(self, obj: Any) -> SafeString:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            str(obj),
        )


class CrisisFilter(admin.SimpleListFilter):
    title = "crisis"
    parameter_name = "crisis"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Crisis posts"), ("no", "Other posts")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> QuerySet[Post]:
        if self.value() == "yes":
            return queryset.filter(is_urgent=True)
        if self.value() == "no":
            return queryset.filter(is_urgent=False)
        return queryset


@admin.register(PendingPost)
class PendingPostAdmin(PlainActionCheckbox, admin.ModelAdmin):
    """Posts waiting for a moderator: crisis posts first, then the one waiting longest."""

    list_display = ["urgency", "post_with_context", "author_name", "where", "age", "decide"]
    list_display_links = None
    list_filter = [CrisisFilter, "thread__board"]
    list_select_related = ["author", "thread__board"]
    search_fields = ["=author__username"]
    search_help_text = "A member's exact pseudonym."
    show_facets = admin.ShowFacets.NEVER
    ordering = ["-is_urgent", "created_at", "id"]
    sortable_by = ()
    show_full_result_count = False
    list_per_page = 50
    actions = ["approve_selected", "reject_selected", "clear_urgent_selected"]
    readonly_fields = (
        "author_name",
        "where",
        "is_urgent",
        "created_at",
        "position",
        "body_source",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        # The same posts, in the same order, as the API's queue.
        return selectors.queue_list()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QueueChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A post's words are never edited here: decisions are the actions and buttons.
        return obj is None and super().has_change_permission(request)

    # --- columns ---

    @admin.display(description="", empty_value="")
    def urgency(self, obj: Post) -> str:
        if obj.is_urgent:
            return format_html('<strong class="crisis-badge">{}</strong>', "Crisis")
        return ""

    @admin.display(description="post, and the one it follows")
    def post_with_context(self, obj: Post) -> str:
        url = object_url("moderation_pendingpost_change", obj.pk)
        post = format_html(
            '<a href="{}" class="queue-excerpt">{}</a>', url, _excerpt(obj, EXCERPT_CHARS)
        )
        before = getattr(obj, "earlier_excerpt", None)
        if obj.position == 1 or not before:
            return post
        return format_html(
            '{}<div class="queue-context">after <em>{}</em>: {}</div>',
            post,
            getattr(obj, "earlier_author", ""),
            shorten(before, CONTEXT_CHARS),
        )

    @admin.display(description="author", ordering="author__username")
    def author_name(self, obj: Post) -> str:
        if obj.is_anonymous:
            return format_html("{} <em>(posted as “a member”)</em>", obj.author.username)
        return obj.author.username

    @admin.display(description="board and thread")
    def where(self, obj: Post) -> str:
        url = object_url("forum_thread_change", obj.thread_id)
        opening = " (opens the thread)" if obj.position == 1 else ""
        return format_html(
            '{}<br><a href="{}">{}</a>{}', obj.thread.board.name, url, obj.thread.title, opening
        )

    @admin.display(description="waiting")
    def age(self, obj: Post) -> str:
        return timesince(obj.created_at, depth=1)

    @admin.display(description="decide")
    def decide(self, obj: Post) -> str:
        if obj.state != PostState.PENDING:
            # A crisis post that is already published: it tops the queue so someone checks
            # on the member; there is nothing to approve.
            return format_html("<em>{}</em>", "Published, marked urgent")
        # The inputs belong to the small forms the template renders outside the list's form,
        # so pressing Enter in a reason rejects that post and nothing else.
        return format_html(
            '<div class="queue-decide">'
            '<button type="submit" form="approve-{pk}" class="button queue-approve" '
            'aria-label="Approve post {pk}">Approve</button>'
            '<span class="queue-reject-row">'
            '<input type="text" name="reason" form="reject-{pk}" required maxlength="{max}" '
            'placeholder="Reason, sent to the author" aria-label="Reason for rejecting post {pk}">'
            '<button type="submit" form="reject-{pk}" class="button queue-reject" '
            'aria-label="Reject post {pk}">Reject</button></span></div>',
            pk=obj.pk,
            max=services.REASON_MAX_LENGTH,
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"title": "Posts waiting for a moderator", **(extra_context or {})}
        response = super().changelist_view(request, extra_context=context)
        data = getattr(response, "context_data", None)
        if data is not None and "cl" in data:
            data["queue_table"] = self.queue_table(request, data["cl"])
        return response

    # The rows are written here rather than by the admin's result list, which looks up and
    # formats every cell through several layers: at 50 rows that was a third of the page's
    # time. The markup is the admin's own (ids, classes, the select-all box), so its
    # stylesheet and its actions script work unchanged.
    def queue_table(self, request: HttpRequest, cl: ChangeList) -> SafeString:
        """The page's rows as one table, and the small forms its buttons submit, or a line
        saying nothing is waiting."""
        posts = list(cl.result_list)
        if not posts:
            return format_html('<p class="queue-empty">{}</p>', "No posts are waiting.")
        columns = [str(name) for name in cl.list_display if name != "action_checkbox"]
        show_checkbox = len(columns) < len(cl.list_display)
        head = [
            format_html(
                '<th scope="col" class="column-{}"><div class="text"><span>{}</span></div>'
                '<div class="clear"></div></th>',
                name,
                _sentence(getattr(self, name).short_description),
            )
            for name in columns
        ]
        if show_checkbox:
            head.insert(
                0,
                format_html(
                    '<th scope="col" class="action-checkbox-column"><div class="text"><span>'
                    '<input type="checkbox" id="action-toggle" aria-label="{}"></span></div>'
                    '<div class="clear"></div></th>',
                    "Select all objects on this page for an action",
                ),
            )
        rows = []
        for post in posts:
            cells = [
                format_html('<td class="field-{}">{}</td>', name, getattr(self, name)(post))
                for name in columns
            ]
            if show_checkbox:
                checkbox = self.action_checkbox(post)
                cells.insert(0, format_html('<td class="action-checkbox">{}</td>', checkbox))
            rows.append(format_html("<tr>{}</tr>", SafeString("".join(cells))))
        token = get_token(request)
        suffix = f"?{cl.preserved_filters}" if cl.preserved_filters else ""
        forms_html = [
            format_html(
                '<form id="{verb}-{pk}" method="post" action="{url}{suffix}">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{token}"></form>',
                verb=verb,
                pk=post.pk,
                url=object_url(f"moderation_pendingpost_{verb}", post.pk),
                suffix=suffix,
                token=token,
            )
            for post in posts
            if post.state == PostState.PENDING
            for verb in ("approve", "reject")
        ]
        return format_html(
            '<div class="results"><table id="result_list"><thead><tr>{}</tr></thead>'
            "<tbody>{}</tbody></table></div>"
            "<div hidden>{}</div>",
            SafeString("".join(head)),
            SafeString("".join(rows)),
            SafeString("".join(forms_html)),
        )

    # --- the detail page: the whole post and the thread before it ---

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        earlier: list[Post] = []
        post = None
        if object_id.isdigit():
            post = Post.objects.filter(pk=int(object_id)).only("thread_id", "position").first()
        if post is not None:
            earlier = list(
                Post.objects.filter(
                    thread_id=post.thread_id,
                    position__lt=post.position,
                    state=PostState.PUBLISHED,
                )
                .select_related("author")
                .order_by("-position")[:5]
            )[::-1]
        context = {**(extra_context or {}), "earlier_posts": earlier}
        return super().change_view(request, object_id, form_url, extra_context=context)

    # --- one click per post ---

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:post_id>/approve/",
                self.admin_site.admin_view(require_POST(self.approve_view)),
                name="moderation_pendingpost_approve",
            ),
            path(
                "<int:post_id>/reject/",
                self.admin_site.admin_view(require_POST(self.reject_view)),
                name="moderation_pendingpost_reject",
            ),
        ]
        return own + super().get_urls()

    def _back_to_queue(self, request: HttpRequest) -> HttpResponseRedirect:
        url = reverse("admin:moderation_pendingpost_changelist")
        filters = request.GET.get("_changelist_filters")
        return HttpResponseRedirect(f"{url}?{filters}" if filters else url)

    def approve_view(self, request: HttpRequest, post_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            result = services.post_approve(moderator=request.user, post_id=post_id)
        except REFUSALS as exc:
            messages.error(request, f"Post #{post_id} was not approved: {refusal_message(exc)}")
            return self._back_to_queue(request)
        label = _post_label(result.obj)
        if result.changed:
            messages.success(request, f"Approved {label}: it is published.")
        else:
            messages.info(request, f"{_sentence(label)} was already approved; nothing changed.")
        return self._back_to_queue(request)

    def reject_view(self, request: HttpRequest, post_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Post #{post_id} was not rejected: give a reason.")
            return self._back_to_queue(request)
        reason = form.cleaned_data["reason"]
        try:
            result = services.post_reject(moderator=request.user, post_id=post_id, reason=reason)
        except REFUSALS as exc:
            messages.error(request, f"Post #{post_id} was not rejected: {refusal_message(exc)}")
            return self._back_to_queue(request)
        label = _post_label(result.obj)
        if result.changed:
            messages.success(request, f"Rejected {label}. The author was told: “{reason}”")
        else:
            messages.info(request, f"{_sentence(label)} was already rejected; nothing changed.")
        return self._back_to_queue(request)

    # --- in bulk ---

    @admin.action(description="Approve selected posts", permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        tally = Tally()
        for post in queryset:
            tally.run(
                _post_label(post),
                partial(services.post_approve, moderator=request.user, post_id=post.pk),
            )
        tally.report(request, done="Approved", already="Already approved, nothing changed")

    @admin.action(description="Clear the crisis mark (looked after)", permissions=["change"])
    def clear_urgent_selected(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        tally = Tally()
        for post in queryset:
            tally.run(
                _post_label(post),
                partial(services.post_clear_urgent, moderator=request.user, post_id=post.pk),
            )
        tally.report(request, done="Crisis mark cleared", already="Not marked, nothing changed")

    @admin.action(description="Reject selected posts…", permissions=["change"])
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Post]
    ) -> TemplateResponse | None:
        posts = list(with_texts(queryset))
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            tally = Tally()
            for post in posts:
                tally.run(
                    _post_label(post),
                    partial(
                        services.post_reject, moderator=request.user, post_id=post.pk, reason=reason
                    ),
                )
            tally.report(
                request,
                done=f"Rejected, and each author was told “{reason}”",
                already="Already rejected, nothing changed",
            )
            return None
        return action_form_response(
            request,
            self,
            action="reject_selected",
            title="Reject posts",
            intro="These posts will not be published. Each author is sent your reason.",
            form=form,
            items=[_sentence(f"{_post_label(post)}: {_excerpt(post, 120)}") for post in posts],
            ids=[post.pk for post in posts],
            submit="Reject these posts",
        )


# --- the flag queue --------------------------------------------------------------------------


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


# --- the audit log ---------------------------------------------------------------------------


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
        if value and value.isdigit():
            return queryset.filter(actor_id=int(value))
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


# --- watched words ---------------------------------------------------------------------------


class WatchedWordForm(forms.ModelForm):
    class Meta:
        model = WatchedWord
        fields = ["pattern", "is_regex", "action", "note"]

    def clean(self) -> dict[str, Any]:
        """Refuses what screening could not use: a broken regex, one that matches every post,
        or one that backtracks catastrophically; the reason shows under the pattern."""
        cleaned = super().clean() or {}
        if "pattern" not in self.errors and cleaned.get("pattern"):
            screening.validate_watched_word(
                pattern=cleaned["pattern"], is_regex=bool(cleaned.get("is_regex"))
            )
        return cleaned


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    form = WatchedWordForm
    list_display = ["pattern", "is_regex", "action", "note", "updated_at"]
    list_filter = ["action", "is_regex"]
    search_fields = ["pattern", "note"]
    ordering = ["pattern", "id"]
    show_full_result_count = False
    list_per_page = 100
    fields = ["pattern", "is_regex", "action", "note"]
