"""Denormalised counters on threads and boards, changed only here, inside the callers'
transactions and after they locked the thread row.

Boards count the published posts of listed (published) threads; threads count their
published replies and remember their last published post. Each count is kept in two tallies
(``ALL_POSTS`` and ``PUBLIC_POSTS``, see the models): a post is in the public one while it is
published and not urgent, and a thread is listed there while its opening post is.
"""

from datetime import datetime
from typing import Any

from django.db.models import F, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from community.forum.models import ALL_POSTS, PUBLIC_POSTS, Board, Post, PostState, Tally, Thread
from community.forum.services.locks import locked_thread

TALLIES = (ALL_POSTS, PUBLIC_POSTS)


def _tallies_of(*, state: str, urgent: bool) -> set[Tally]:
    """The tallies a post in ``state`` counts in."""
    if state != PostState.PUBLISHED:
        return set()
    return {tally for tally in TALLIES if tally.urgent or not urgent}


def _listed(*, tally: Tally, thread: Thread) -> bool:
    """Whether the thread is in its board's lists as the tally counts them."""
    return thread.state == PostState.PUBLISHED and (tally.urgent or not thread.is_urgent)


# The board's columns a change writes, with what it writes to them: collected across the
# tallies and written in one UPDATE.
BoardWrites = dict[str, Any]


def _board_add(board: BoardWrites, **deltas: int) -> None:
    board.update({field: F(field) + delta for field, delta in deltas.items()})


def _latest_or(*, latest: Any, at: datetime) -> Greatest:
    """The later of ``latest`` (which may be null) and ``at``."""
    return Greatest(Coalesce(latest, Value(at)), Value(at))


def _latest_but(*, tally: Tally, board_id: int, thread: Thread) -> Subquery:
    """The last activity of the board's other listed threads."""
    return Subquery(
        Thread.objects.filter(tally.counted(), board_id=board_id)
        .exclude(pk=thread.pk)
        .order_by(f"-{tally.last_post_at}")
        .values(tally.last_post_at)[:1]
    )


def _board_latest(board: BoardWrites, *, tally: Tally, thread: Thread) -> None:
    """The board's last activity after the thread's changed: the latest of its other listed
    threads, and this one's if it is listed (so a post taken out of view takes its time with
    it)."""
    latest: Any = _latest_but(tally=tally, board_id=thread.board_id, thread=thread)
    if _listed(tally=tally, thread=thread):
        latest = _latest_or(latest=latest, at=getattr(thread, tally.last_post_at))
    board[tally.board_last_post_at] = latest


def _count_in(board: BoardWrites, *, tally: Tally, thread: Thread, post: Post) -> list[str]:
    """Counts a post that has just come into the tally. An opening post brings its thread
    into the board's lists, with every reply it already had there."""
    if post.position == 1:
        replies: int = getattr(thread, tally.reply_count)
        _board_add(board, **{tally.thread_count: 1, tally.post_count: 1 + replies})
        changed = []
    else:
        setattr(thread, tally.reply_count, getattr(thread, tally.reply_count) + 1)
        changed = [tally.reply_count]
        if _listed(tally=tally, thread=thread):
            _board_add(board, **{tally.post_count: 1})
    if post.position >= getattr(thread, tally.last_position):
        setattr(thread, tally.last_post_at, post.created_at)
        setattr(thread, tally.last_poster_id, post.author_id)
        setattr(thread, tally.last_post_anonymous, post.is_anonymous)
        setattr(thread, tally.last_position, post.position)
        changed += [
            tally.last_post_at,
            tally.last_poster,
            tally.last_post_anonymous,
            tally.last_position,
        ]
    if _listed(tally=tally, thread=thread):
        # The thread's latest, not the post's time: an opening post restored brings its
        # thread's replies back into the board's last activity with it.
        at: datetime = getattr(thread, tally.last_post_at)
        board[tally.board_last_post_at] = _latest_or(latest=F(tally.board_last_post_at), at=at)
    return changed


def _count_out(board: BoardWrites, *, tally: Tally, thread: Thread, post: Post) -> list[str]:
    """Uncounts a post that has just left the tally (unpublished, or marked urgent). An
    opening post takes its thread out of the board's lists."""
    was_listed = post.position == 1 or _listed(tally=tally, thread=thread)
    if post.position == 1:
        replies: int = getattr(thread, tally.reply_count)
        _board_add(board, **{tally.thread_count: -1, tally.post_count: -1 - replies})
        changed = []
    else:
        setattr(thread, tally.reply_count, max(getattr(thread, tally.reply_count) - 1, 0))
        changed = [tally.reply_count]
        if was_listed:
            _board_add(board, **{tally.post_count: -1})
    if post.position == getattr(thread, tally.last_position):
        # The thread's last post is now the latest one still counted: its time, its author
        # (so a withdrawn post's author is not named as the last poster), where reading ends.
        last = (
            Post.objects.filter(tally.counted(), thread_id=thread.pk)
            .exclude(pk=post.pk)
            .order_by("-position")
            .values("position", "created_at", "author_id", "is_anonymous")
            .first()
        )
        if last is None:
            setattr(thread, tally.last_position, 0)
            changed.append(tally.last_position)
        else:
            setattr(thread, tally.last_position, last["position"])
            setattr(thread, tally.last_post_at, last["created_at"])
            setattr(thread, tally.last_poster_id, last["author_id"])
            setattr(thread, tally.last_post_anonymous, last["is_anonymous"])
            changed += [
                tally.last_position,
                tally.last_post_at,
                tally.last_poster,
                tally.last_post_anonymous,
            ]
    if was_listed:
        _board_latest(board, tally=tally, thread=thread)
    return changed


def _recount(*, thread: Thread, post: Post, was: set[Tally]) -> list[str]:
    """Moves the post's counts from the tallies it was in to those it is in now
    (``post.state`` and ``post.is_urgent`` already hold the new values, and so do the
    thread's ``state`` and ``is_urgent`` when it is the opening post)."""
    now = _tallies_of(state=post.state, urgent=post.is_urgent)
    changed: list[str] = []
    board: BoardWrites = {}
    for tally in TALLIES:
        if tally in now and tally not in was:
            changed += _count_in(board, tally=tally, thread=thread, post=post)
        elif tally in was and tally not in now:
            changed += _count_out(board, tally=tally, thread=thread, post=post)
    if board:
        Board.objects.filter(pk=thread.board_id).update(**board)
    return changed


def on_post_published(*, thread: Thread, post: Post) -> list[str]:
    """Counts a new post that is published as it is written.

    Returns the thread fields it changed, for the caller's ``save(update_fields=...)``.
    """
    changed: list[str] = []
    if post.position == 1:
        thread.state = PostState.PUBLISHED
        thread.is_urgent = post.is_urgent
        changed += ["state", "is_urgent"]
    return changed + _recount(thread=thread, post=post, was=set())


def _save(*, thread: Thread, changed: list[str]) -> None:
    if changed:
        thread.save(update_fields=list(dict.fromkeys(changed)))


def post_state_set(*, post: Post, state: str, thread: Thread | None = None) -> None:
    """Moves a saved post to ``state`` and counts it in or out of its thread and board: the
    one way an existing post is published or taken out of view (approved, hidden, restored,
    withdrawn, held again). A thread mirrors its opening post's state. Locks the thread row
    when it changes, unless the caller already holds it and passes it as ``thread``."""
    was = _tallies_of(state=post.state, urgent=post.is_urgent)
    post.state = state
    post.save(update_fields=["state"])
    now = _tallies_of(state=post.state, urgent=post.is_urgent)
    if was == now and post.position != 1:
        return
    if thread is None:
        thread = locked_thread(thread_id=post.thread_id)
    changed: list[str] = []
    if post.position == 1 and thread.state != state:
        thread.state = state
        changed.append("state")
    _save(thread=thread, changed=changed + _recount(thread=thread, post=post, was=was))


def post_urgency_set(*, post: Post, urgent: bool, thread: Thread | None = None) -> bool:
    """Marks a saved post urgent (a member may be in crisis) or clears it, and moves its
    counts out of or back into what everyone sees: the one way urgency changes after a post
    is written. Returns whether anything changed."""
    if post.is_urgent == urgent:
        return False
    was = _tallies_of(state=post.state, urgent=post.is_urgent)
    post.is_urgent = urgent
    post.save(update_fields=["is_urgent"])
    if was == _tallies_of(state=post.state, urgent=urgent) and post.position != 1:
        return True
    if thread is None:
        thread = locked_thread(thread_id=post.thread_id)
    changed: list[str] = []
    if post.position == 1:
        thread.is_urgent = urgent
        changed.append("is_urgent")
    _save(thread=thread, changed=changed + _recount(thread=thread, post=post, was=was))
    return True


def on_thread_moved(*, thread: Thread, source: Board, target: Board) -> None:
    """Moves a listed thread's counts from one board to the other, in every tally it is
    listed in. Both board rows are locked by the caller; ``thread.board`` is still the
    source."""
    for tally in TALLIES:
        if not _listed(tally=tally, thread=thread):
            continue
        posts = 1 + getattr(thread, tally.reply_count)
        Board.objects.filter(pk=source.pk).update(
            **{
                tally.thread_count: F(tally.thread_count) - 1,
                tally.post_count: F(tally.post_count) - posts,
                tally.board_last_post_at: _latest_but(
                    tally=tally, board_id=source.pk, thread=thread
                ),
            }
        )
        latest = _latest_or(
            latest=F(tally.board_last_post_at), at=getattr(thread, tally.last_post_at)
        )
        Board.objects.filter(pk=target.pk).update(
            **{
                tally.thread_count: F(tally.thread_count) + 1,
                tally.post_count: F(tally.post_count) + posts,
                tally.board_last_post_at: latest,
            }
        )
