"""The moderation queue: posts waiting for a decision, crisis posts first, approved or rejected
per row or in bulk through the moderation services."""

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from community.forum.models import Post, PostState
from community.moderation import selectors, services
from community.moderation.admin.common import CONTEXT_CHARS, EXCERPT_CHARS, ReasonForm
from config.admin_shared import (
    REFUSALS,
    PlainActionCheckbox,
    Tally,
    action_form_response,
    object_url,
    refusal_message,
    sentence,
    shorten,
)
from config.numbers import client_int


class PendingPost(Post):
    """Posts as the moderation queue shows them: their own admin page and permissions."""

    class Meta:
        proxy = True
        app_label = "moderation"
        verbose_name = "post waiting for a moderator"
        verbose_name_plural = "moderation queue"


def _post_label(post: Post) -> str:
    return f"post #{post.pk} by {post.author.username}"


def _excerpt(post: Post, chars: int) -> str:
    return shorten(getattr(post, "excerpt", ""), chars)


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
                sentence(getattr(self, name).short_description),
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
        post_id = client_int(object_id)
        if post_id is not None:
            post = Post.objects.filter(pk=post_id).only("thread_id", "position").first()
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
            messages.info(request, f"{sentence(label)} was already approved; nothing changed.")
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
            messages.info(request, f"{sentence(label)} was already rejected; nothing changed.")
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
            items=[sentence(f"{_post_label(post)}: {_excerpt(post, 120)}") for post in posts],
            ids=[post.pk for post in posts],
            submit="Reject these posts",
        )
