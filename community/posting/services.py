"""Starting threads, replying, editing and withdrawing: the writes members make every day."""

from django.db import transaction
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from accounts.models import TrustLevel, User
from community.forum import policies, unread_cache
from community.forum.markdown import mentioned_usernames, render_markdown
from community.forum.models import (
    Board,
    Draft,
    Mention,
    Post,
    PostRevision,
    PostState,
    ReadState,
    Subscription,
    SubscriptionLevel,
    Thread,
)
from community.forum.policies import Viewer
from community.forum.selectors import post_visibility_filter
from community.forum.services import counters, locks
from community.moderation import limits, screening
from community.moderation.services import alerts, trust_maybe_promote
from community.notifications.fanout import fanout_schedule
from community.resources.models import Resource, ResourceState
from config.api.errors import ApiError


def _mentions_save(*, post: Post, source: str) -> list[int]:
    """Stores a mention for every known ``@name`` other than the author; unknown names stay
    plain text. Returns the ids of members newly mentioned."""
    names = mentioned_usernames(source)
    if not names:
        return []
    users = (
        User.objects.annotate(name=Lower("username"))
        .filter(name__in=names, is_active=True)
        .exclude(pk=post.author_id)
        .values_list("pk", flat=True)
    )
    already = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    new_ids = [pk for pk in users if pk not in already]
    Mention.objects.bulk_create(
        [Mention(post=post, user_id=pk) for pk in new_ids], ignore_conflicts=True
    )
    return new_ids


def _auto_watch(*, user: User, thread: Thread) -> None:
    """Members follow threads they start or reply to, unless they chose a level already."""
    Subscription.objects.get_or_create(
        user=user, thread=thread, defaults={"level": SubscriptionLevel.WATCHING}
    )


def _mark_read_to(*, user: User, thread: Thread, position: int) -> None:
    unread_cache.forget(user_id=user.pk)
    updated = ReadState.objects.filter(
        user=user, thread=thread, last_read_position__lt=position
    ).update(last_read_position=position, updated_at=timezone.now())
    if not updated:
        ReadState.objects.get_or_create(
            user=user, thread=thread, defaults={"last_read_position": position}
        )


@transaction.atomic
def thread_create(
    *,
    author: Viewer,
    board: Board,
    title: str,
    body: str,
    is_anonymous: bool = False,
    resource_id: int | None = None,
) -> Thread:
    """Starts a thread with its opening post, published or held under the board's policy.

    Deletes the member's draft for this board only once the thread exists.
    """
    member = policies.check_can_start_thread(user=author, board=board, is_anonymous=is_anonymous)
    screened = screening.screen(text=f"{title}\n\n{body}")
    limits.check_posting_limits(author=member, body=body, is_thread=True, urgent=screened.urgent)
    linked = _library_resource(resource_id=resource_id)
    now = timezone.now()
    state = _initial_state(author=member, board=board, screened=screened)
    thread = Thread.objects.create(
        board=board,
        title=title,
        author=member,
        is_anonymous=is_anonymous,
        state=PostState.PENDING,
        is_urgent=screened.urgent,
        created_at=now,
        last_post_at=now,
        public_last_post_at=now,
        last_position=1,
    )
    post = Post.objects.create(
        thread=thread,
        author=member,
        is_anonymous=is_anonymous,
        position=1,
        body_source=body,
        body_html=render_markdown(body),
        resource=linked,
        state=state,
        is_urgent=screened.urgent,
        created_at=now,
    )
    alerts.after_create(post=post, screening=screened)
    if state == PostState.PUBLISHED:
        changed = counters.on_post_published(thread=thread, post=post)
        thread.save(update_fields=changed)
        fanout_schedule(post=post)
        if member.trust_level == TrustLevel.NEW:
            trust_maybe_promote(user=member)
    _mentions_save(post=post, source=body)
    _auto_watch(user=member, thread=thread)
    _mark_read_to(user=member, thread=thread, position=1)
    Draft.objects.filter(user=member, board=board).delete()
    thread.opening_post = post  # type: ignore[attr-defined]
    return thread


def _initial_state(*, author: User, board: Board, screened: screening.Screening) -> str:
    """The board's policy, or held when a watched word asks for approval."""
    state = policies.initial_state(author=author, board=board)
    if screened.hold and not author.is_moderator:
        return PostState.PENDING
    return state


def _library_resource(*, resource_id: int | None) -> Resource | None:
    """The published library resource a post points to; anything else is a 422 (a well-formed
    id that names nothing the post can show)."""
    if resource_id is None:
        return None
    resource = Resource.objects.filter(pk=resource_id, state=ResourceState.PUBLISHED).first()
    if resource is None:
        message = "Choose a resource from the library."
        raise ApiError(message, code="invalid", status_code=422, fields={"resource": [message]})
    return resource


def _reply_to_in_thread(*, viewer: User, thread: Thread, reply_to_id: int | None) -> Post | None:
    if reply_to_id is None:
        return None
    target = (
        Post.objects.filter(pk=reply_to_id, thread=thread)
        .filter(post_visibility_filter(viewer=viewer))
        .first()
    )
    if target is None:
        raise ApiError(
            "That post is not in this thread.",
            code="invalid",
            status_code=422,
            fields={"reply_to": ["That post is not in this thread."]},
        )
    return target


@transaction.atomic
def post_create(
    *,
    author: Viewer,
    thread_id: int,
    body: str,
    reply_to_id: int | None = None,
    is_anonymous: bool = False,
    resource_id: int | None = None,
) -> Post:
    """Replies in a thread: takes the next position under the thread's row lock, so counters
    stay right under concurrent replies. Deletes the member's reply draft once posted."""
    thread = locks.locked_thread(thread_id=thread_id)
    if not policies.can_view_thread(viewer=author, thread=thread):
        raise Http404
    member = policies.check_can_reply(user=author, thread=thread, is_anonymous=is_anonymous)
    reply_to = _reply_to_in_thread(viewer=member, thread=thread, reply_to_id=reply_to_id)
    screened = screening.screen(text=body)
    limits.check_posting_limits(author=member, body=body, is_thread=False, urgent=screened.urgent)
    linked = _library_resource(resource_id=resource_id)
    state = _initial_state(author=member, board=thread.board, screened=screened)
    position = thread.last_position + 1
    post = Post.objects.create(
        thread=thread,
        author=member,
        is_anonymous=is_anonymous,
        position=position,
        reply_to=reply_to,
        body_source=body,
        body_html=render_markdown(body),
        resource=linked,
        state=state,
        is_urgent=screened.urgent,
    )
    alerts.after_create(post=post, screening=screened)
    thread.last_position = position
    changed = ["last_position"]
    if state == PostState.PUBLISHED:
        changed += counters.on_post_published(thread=thread, post=post)
        fanout_schedule(post=post)
        if member.trust_level == TrustLevel.NEW:
            trust_maybe_promote(user=member)
    thread.save(update_fields=changed)
    _mentions_save(post=post, source=body)
    _auto_watch(user=member, thread=thread)
    _mark_read_to(user=member, thread=thread, position=position)
    Draft.objects.filter(user=member, thread=thread).delete()
    return post


@transaction.atomic
def post_edit(*, editor: Viewer, post_id: int, body: str) -> Post:
    """Changes a post's text, keeping the previous text as a revision. Sending the same text
    again changes nothing and writes no revision."""
    post = locks.locked_post(post_id=post_id)
    if not policies.can_view_thread(viewer=editor, thread=post.thread):
        raise Http404
    member = policies.check_can_edit(user=editor, post=post)
    if body == post.body_source:
        return post
    screened = screening.screen(text=body)
    limits.check_link_limit(author=member, body=body)
    PostRevision.objects.create(post=post, body_source=post.body_source, edited_by=member)
    post.body_source = body
    post.body_html = render_markdown(body)
    post.edited_at = timezone.now()
    post.save(update_fields=["body_source", "body_html", "edited_at"])
    turned_urgent = screened.urgent and counters.post_urgency_set(post=post, urgent=True)
    # An edit that brings in a word moderators want to see first goes back to the queue.
    held = screened.hold and post.state == PostState.PUBLISHED and not member.is_moderator
    if held:
        counters.post_state_set(post=post, state=PostState.PENDING)
    if turned_urgent or held:
        alerts.after_create(post=post, screening=screened)
    _mentions_save(post=post, source=body)
    return post


@transaction.atomic
def post_withdraw(*, user: Viewer, post_id: int) -> bool:
    """The author takes their post back: it shows as withdrawn, its text kept for moderators.

    Idempotent: returns False when the post was already withdrawn.
    """
    post = locks.locked_post(post_id=post_id)
    if not policies.can_view_thread(viewer=user, thread=post.thread):
        raise Http404
    policies.check_can_withdraw(user=user, post=post)
    if post.state == PostState.WITHDRAWN:
        return False
    if post.state not in (PostState.PUBLISHED, PostState.PENDING):
        raise ApiError(
            "This post can no longer be withdrawn.", code="not_withdrawable", status_code=403
        )
    counters.post_state_set(post=post, state=PostState.WITHDRAWN)
    return True
