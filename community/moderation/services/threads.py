"""Moderator verbs on threads: lock, unlock, pin, unpin, move to another board."""

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from accounts.models import User
from community.forum.models import Thread
from community.forum.services import counters
from community.forum.services.locks import locked_boards, locked_thread
from community.moderation.models import Verb
from community.moderation.policies import check_can_moderate
from community.moderation.services.common import Result, invalid, log_action


def _thread_set(
    *, moderator: User | AnonymousUser, thread_id: int, field: str, value: bool, verb: str
) -> Result[Thread]:
    actor = check_can_moderate(viewer=moderator)
    thread = locked_thread(thread_id=thread_id)
    if getattr(thread, field) == value:
        return Result(thread, changed=False)
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    log_action(actor=actor, verb=verb, thread=thread)
    return Result(thread, changed=True)


@transaction.atomic
def thread_lock(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Closes a thread to replies (it stays readable). Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_locked", value=True, verb=Verb.LOCK
    )


@transaction.atomic
def thread_unlock(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Opens a locked thread to replies again. Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_locked", value=False, verb=Verb.UNLOCK
    )


@transaction.atomic
def thread_pin(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Keeps a thread at the top of its board's list. Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_pinned", value=True, verb=Verb.PIN
    )


@transaction.atomic
def thread_unpin(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Lets a pinned thread take its place by activity again. Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_pinned", value=False, verb=Verb.UNPIN
    )


@transaction.atomic
def thread_move(
    *, moderator: User | AnonymousUser, thread_id: int, board_id: int
) -> Result[Thread]:
    """Moves a thread, with its posts and counts, to another board. Moving it to the board it
    is in changes nothing."""
    actor = check_can_moderate(viewer=moderator)
    thread = locked_thread(thread_id=thread_id)
    if thread.board_id == board_id:
        return Result(thread, changed=False)
    boards = locked_boards(board_ids=[thread.board_id, board_id])
    if board_id not in boards:
        raise invalid("board", "There is no such board.")
    source, target = boards[thread.board_id], boards[board_id]
    counters.on_thread_moved(thread=thread, source=source, target=target)
    thread.board = target
    thread.save(update_fields=["board"])
    log_action(
        actor=actor,
        verb=Verb.MOVE,
        thread=thread,
        data={
            "from_board": source.pk,
            "from_slug": source.slug,
            "to_board": target.pk,
            "to_slug": target.slug,
        },
    )
    return Result(thread, changed=True)
