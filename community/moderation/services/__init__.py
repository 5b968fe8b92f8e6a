"""Moderation's writes. The moderator verbs (``posts``, ``threads``, ``members``), members'
flags and their resolution (``flags``), and the alerts telling moderators of held and urgent
posts (``alerts``).

Each verb checks permission itself (``policies.check_can_moderate``), locks the row it changes,
is idempotent (a repeat changes nothing and writes nothing) and writes exactly one
``ModerationAction`` when it acts. The API and the admin actions call these same functions.

Locks are taken post, then thread, then boards (in id order), then members: the order the
posting services use, through the same helpers (``community.forum.services.locks``), so verbs
and members' writes never deadlock each other.
"""

from community.moderation.services.common import (
    REASON_MAX_LENGTH,
    Result,
    author_tell,
)
from community.moderation.services.members import (
    member_lift_suspension,
    member_set_trust,
    member_suspend,
    member_verify_clinician,
    sessions_end,
    trust_maybe_promote,
)
from community.moderation.services.posts import (
    post_approve,
    post_clear_urgent,
    post_hide,
    post_reject,
    post_restore,
)
from community.moderation.services.threads import (
    thread_lock,
    thread_move,
    thread_pin,
    thread_unlock,
    thread_unpin,
)

__all__ = [
    "REASON_MAX_LENGTH",
    "Result",
    "author_tell",
    "member_lift_suspension",
    "member_set_trust",
    "member_suspend",
    "member_verify_clinician",
    "post_approve",
    "post_clear_urgent",
    "post_hide",
    "post_reject",
    "post_restore",
    "sessions_end",
    "thread_lock",
    "thread_move",
    "thread_pin",
    "thread_unlock",
    "thread_unpin",
    "trust_maybe_promote",
]
