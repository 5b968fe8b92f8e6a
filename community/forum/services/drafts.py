"""Drafts: what a member is typing, kept on the server until the post exists."""

from accounts.models import User
from community.forum.models import Board, Draft, Post, Thread


def draft_save(
    *,
    user: User,
    title: str,
    body: str,
    board: Board | None = None,
    thread: Thread | None = None,
    reply_to: Post | None = None,
) -> Draft:
    """Creates or replaces the member's draft for a new thread in ``board`` or a reply in
    ``thread``. Saving the same text again is harmless."""
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
