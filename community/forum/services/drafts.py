"""Drafts: what a member is typing, kept on the server until the post exists."""

from enum import Enum
from typing import Final

from django.db import transaction

from accounts.models import User
from community.forum.models import Board, Draft, Post, Thread
from community.forum.selectors import post_visibility_filter


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""A field the request did not name: the saved value stays as it is."""


def draft_save(
    *,
    user: User,
    board: Board | None = None,
    thread: Thread | None = None,
    title: str | _Keep = KEEP,
    body: str | _Keep = KEEP,
    reply_to_id: int | _Keep | None = KEEP,
) -> Draft:
    """Creates the member's draft for a new thread in ``board`` or a reply in ``thread``, or
    changes the fields given (``KEEP`` leaves one as saved). Saving the same text again is
    harmless. Emptying a draft takes a request that says so: an empty string, or deleting it.

    A ``reply_to`` that is not a post of this thread the member may see is dropped rather than
    refused: the words are what must never be lost.
    """
    reply_to: Post | _Keep | None = KEEP
    if not isinstance(reply_to_id, _Keep):
        reply_to = None
        if thread is not None and reply_to_id is not None:
            reply_to = (
                Post.objects.filter(pk=reply_to_id, thread=thread)
                .filter(post_visibility_filter(viewer=user))
                .first()
            )
    with transaction.atomic():
        draft, _ = Draft.objects.select_for_update().get_or_create(
            user=user, board=board, thread=thread
        )
        if not isinstance(title, _Keep):
            draft.title = title
        if not isinstance(body, _Keep):
            draft.body = body
        if not isinstance(reply_to, _Keep):
            draft.reply_to = reply_to
        draft.save()
    return draft


def draft_delete(*, user: User, board: Board | None = None, thread: Thread | None = None) -> bool:
    """Discards a draft the member no longer wants. Returns False when there was none."""
    deleted, _ = Draft.objects.filter(user=user, board=board, thread=thread).delete()
    return bool(deleted)
