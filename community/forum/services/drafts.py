"""Drafts: what a member is typing, kept on the server until the post exists."""

from accounts.models import User
from community.forum.models import Board, Draft, Post, Thread
from community.forum.selectors import post_visibility_filter


def draft_save(
    *,
    user: User,
    title: str,
    body: str,
    board: Board | None = None,
    thread: Thread | None = None,
    reply_to_id: int | None = None,
) -> Draft:
    """Creates or replaces the member's draft for a new thread in ``board`` or a reply in
    ``thread``. Saving the same text again is harmless.

    A ``reply_to`` that is not a post of this thread the member may see is dropped rather than
    refused: the words are what must never be lost.
    """
    reply_to = None
    if thread is not None and reply_to_id is not None:
        reply_to = (
            Post.objects.filter(pk=reply_to_id, thread=thread)
            .filter(post_visibility_filter(viewer=user))
            .first()
        )
    draft, _ = Draft.objects.update_or_create(
        user=user,
        board=board,
        thread=thread,
        defaults={"title": title, "body": body, "reply_to": reply_to},
    )
    return draft


def draft_delete(*, user: User, board: Board | None = None, thread: Thread | None = None) -> bool:
    """Discards a draft the member no longer wants. Returns False when there was none."""
    deleted, _ = Draft.objects.filter(user=user, board=board, thread=thread).delete()
    return bool(deleted)
