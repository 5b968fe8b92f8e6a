"""A member's per-board unread counts, cached for a short while.

Counting unread threads reads every thread active in the unread window, which is the most
expensive part of the board list. Clients poll that list, so the counts are kept for
``FORUM_UNREAD_CACHE_SECONDS``; anything the member does that changes what they have read
(reading, marking a board, posting) starts a fresh version at once, so their own actions
always show. Other members' new posts show within the cache time.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache


def _version_key(user_id: int) -> str:
    return f"forum:unread-version:{user_id}"


def forget(*, user_id: int) -> None:
    """The member's read state changed: the next board list counts afresh."""
    key = _version_key(user_id)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def cached_counts(
    *, user_id: int, board_ids: list[int], compute: Callable[[], dict[int, int]]
) -> dict[int, int]:
    """The counts for these boards, from the cache when a current copy is there."""
    seconds = settings.FORUM_UNREAD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    version = cache.get(_version_key(user_id), 0)
    key = f"forum:unread:{user_id}:{version}:{','.join(map(str, sorted(board_ids)))}"
    counts: dict[int, int] | None = cache.get(key)
    if counts is None:
        counts = compute()
        cache.set(key, counts, timeout=seconds)
    return counts
