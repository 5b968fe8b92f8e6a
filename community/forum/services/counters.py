"""Denormalised counters on threads and boards, changed only here, inside the callers'
transactions and after they locked the thread row."""

from django.db.models import F, Max
from django.db.models.functions import Coalesce, Greatest

from community.forum.models import Board, Post, PostState, Thread


def on_post_published(*, thread: Thread, post: Post) -> list[str]:
    """Counts a post that has just become published. Returns the thread fields it changed."""
    changed = ["last_post_at", "last_poster", "last_post_anonymous", "last_published_position"]
    is_opening = post.position == 1
    if is_opening:
        thread.state = PostState.PUBLISHED
        changed.append("state")
    else:
        thread.reply_count += 1
        changed.append("reply_count")
    if post.created_at >= thread.last_post_at or is_opening:
        thread.last_post_at = post.created_at
        thread.last_poster_id = post.author_id
        thread.last_post_anonymous = post.is_anonymous
    thread.last_published_position = max(thread.last_published_position, post.position)
    Board.objects.filter(pk=thread.board_id).update(
        post_count=F("post_count") + 1,
        thread_count=F("thread_count") + (1 if is_opening else 0),
        last_post_at=Greatest(Coalesce(F("last_post_at"), post.created_at), post.created_at),
    )
    return changed


def on_post_unpublished(*, thread: Thread, post: Post) -> list[str]:
    """Uncounts a published reply that was withdrawn or hidden. Returns the fields changed.

    The thread keeps its last activity time: taking a post away is not new activity.
    """
    Board.objects.filter(pk=thread.board_id).update(post_count=F("post_count") - 1)
    changed: list[str] = []
    if post.position == thread.last_published_position:
        # "Read to the end" now ends at the last post still published.
        last = (
            Post.objects.filter(thread_id=thread.pk, state=PostState.PUBLISHED)
            .exclude(pk=post.pk)
            .aggregate(last=Max("position"))["last"]
        )
        thread.last_published_position = last or 0
        changed.append("last_published_position")
    if post.position != 1:
        thread.reply_count = max(thread.reply_count - 1, 0)
        changed.append("reply_count")
    return changed
