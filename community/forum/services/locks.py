"""Row locks on the forum's posts, threads and boards: the one way any writer takes them (the
posting services, the moderators' verbs, members' flags, the counters), so every caller takes
the same kind of lock, in the same order.

FOR NO KEY UPDATE (``no_key=True``), not FOR UPDATE. Either makes two writers of the same row
take turns, which is all the callers need: they change states, texts and counters, never a
row's id, and they never delete a row. The two differ for rows being saved that point at the
locked one. PostgreSQL checks such a foreign key by taking FOR KEY SHARE on the row it points
to, and FOR KEY SHARE waits for FOR UPDATE but not for FOR NO KEY UPDATE. A reply points at
its thread and at the post it answers; a flag, a revision or an audit row at its post. With
FOR UPDATE, a moderator hiding a post (its row, then its thread's) and a member replying to
that post (the thread's row, then the reply's key check on the post) wait for each other: a
deadlock, which PostgreSQL ends by failing one of them. With FOR NO KEY UPDATE the reply's
check goes through, and the two simply take turns on the thread.

``of=("self",)``: the locked table's row only, never the rows select_related joins in (the
author, the thread of a post, the board of a thread).

Order: a post, then its thread, then boards in id order; members' rows after the forum's.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from community.forum.models import Board, Post, Thread

M = TypeVar("M", bound=Model)


def for_update(queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset``'s rows, locked until the transaction ends (see the module docstring)."""
    return queryset.select_for_update(of=("self",), no_key=True)


def locked_post(*, post_id: int) -> Post:
    """The post, locked, with its author and its thread's board joined in; 404 if there is
    none."""
    post = (
        for_update(Post.objects.select_related("author", "thread__board"))
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise Http404
    return post


def locked_thread(*, thread_id: int) -> Thread:
    """The thread, locked, with its board joined in; 404 if there is none."""
    thread = for_update(Thread.objects.select_related("board")).filter(pk=thread_id).first()
    if thread is None:
        raise Http404
    return thread


def locked_boards(*, board_ids: Iterable[int]) -> dict[int, Board]:
    """The boards that exist among ``board_ids``, locked in id order, by id."""
    boards = for_update(Board.objects.filter(pk__in=list(board_ids)).order_by("pk"))
    return {board.pk: board for board in boards}
