"""Denormalised counters on threads and boards, changed only here, inside the callers'
transactions and after they locked the thread row.

Boards count the published posts of listed (published) threads; threads count their
published replies and remember their last published post.
"""

from django.db.models import F
from django.db.models.functions import Coalesce, Greatest

from community.forum.models import Board, Post, PostState, Thread
from community.forum.services.locks import locked_thread

_LAST_POST_FIELDS = [
    "last_post_at",
    "last_poster",
    "last_post_anonymous",
    "last_published_position",
]


def on_post_published(*, thread: Thread, post: Post) -> list[str]:
    """Counts a post that has just become published (new, approved or restored).

    Returns the thread fields it changed, for the caller's ``save(update_fields=...)``.
    """
    changed = list(_LAST_POST_FIELDS)
    if post.position == 1:
        # The thread appears in its board again, with every reply it already had.
        thread.state = PostState.PUBLISHED
        changed.append("state")
        Board.objects.filter(pk=thread.board_id).update(
            thread_count=F("thread_count") + 1, post_count=F("post_count") + 1 + thread.reply_count
        )
    else:
        thread.reply_count += 1
        changed.append("reply_count")
        if thread.state == PostState.PUBLISHED:
            Board.objects.filter(pk=thread.board_id).update(post_count=F("post_count") + 1)
    if post.position >= thread.last_published_position:
        thread.last_post_at = post.created_at
        thread.last_poster_id = post.author_id
        thread.last_post_anonymous = post.is_anonymous
        thread.last_published_position = post.position
    if thread.state == PostState.PUBLISHED:
        Board.objects.filter(pk=thread.board_id).update(
            last_post_at=Greatest(Coalesce(F("last_post_at"), post.created_at), post.created_at)
        )
    return changed


def on_post_unpublished(*, thread: Thread, post: Post) -> list[str]:
    """Uncounts a post that was published and no longer is (withdrawn, hidden, rejected).

    ``post.state`` already holds the new state. When it was the opening post the whole thread
    leaves its board's lists. Returns the thread fields it changed.
    """
    changed: list[str] = []
    if post.position == 1:
        Board.objects.filter(pk=thread.board_id).update(
            thread_count=F("thread_count") - 1, post_count=F("post_count") - 1 - thread.reply_count
        )
        thread.state = post.state
        changed.append("state")
    else:
        thread.reply_count = max(thread.reply_count - 1, 0)
        changed.append("reply_count")
        if thread.state == PostState.PUBLISHED:
            Board.objects.filter(pk=thread.board_id).update(post_count=F("post_count") - 1)
    if post.position == thread.last_published_position:
        # The thread's last post is now the latest one still published: its time, its author
        # (so a withdrawn post's author is not named as the last poster), where reading ends.
        last = (
            Post.objects.filter(thread_id=thread.pk, state=PostState.PUBLISHED)
            .exclude(pk=post.pk)
            .order_by("-position")
            .values("position", "created_at", "author_id", "is_anonymous")
            .first()
        )
        if last is None:
            thread.last_published_position = 0
            changed.append("last_published_position")
        else:
            thread.last_published_position = last["position"]
            thread.last_post_at = last["created_at"]
            thread.last_poster_id = last["author_id"]
            thread.last_post_anonymous = last["is_anonymous"]
            changed += _LAST_POST_FIELDS
    return changed


def post_state_set(*, post: Post, state: str, thread: Thread | None = None) -> None:
    """Moves a saved post to ``state`` and counts it in or out of its thread and board: the
    one way an existing post is published or taken out of view (approved, hidden, restored,
    withdrawn, held again). Locks the thread row when a count changes, unless the caller
    already holds it and passes it as ``thread``."""
    was_published = post.state == PostState.PUBLISHED
    post.state = state
    post.save(update_fields=["state"])
    if was_published == (state == PostState.PUBLISHED):
        return
    if thread is None:
        thread = locked_thread(thread_id=post.thread_id)
    if state == PostState.PUBLISHED:
        changed = on_post_published(thread=thread, post=post)
    else:
        changed = on_post_unpublished(thread=thread, post=post)
    if changed:
        thread.save(update_fields=list(dict.fromkeys(changed)))
