"""The moderators' admin site: the queue of posts waiting for a decision, the flag queue, the
audit log and the watched words.

Every decision goes through the moderation services, exactly as the API's do: they check the
moderator, lock the row, skip no-ops and write the audit log. The admin only turns their
results and refusals into messages.
"""

from community.moderation.admin.flags import FlagAdmin
from community.moderation.admin.log import ModerationActionAdmin
from community.moderation.admin.members import MemberAdmin
from community.moderation.admin.queue import PendingPost, PendingPostAdmin
from community.moderation.admin.words import WatchedWordAdmin

__all__ = [
    "FlagAdmin",
    "MemberAdmin",
    "ModerationActionAdmin",
    "PendingPost",
    "PendingPostAdmin",
    "WatchedWordAdmin",
]
