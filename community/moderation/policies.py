"""Who may moderate, and the rules of moderators' decisions: pure rules on loaded objects, no
queries. ``check_*`` raises, the bare name answers a bool.

One moderator check, ``check_can_moderate``, asked by the API's permission class, by every
moderation service (the verbs, resolving flags) and so by the admin's actions, which call the
services, and by the flag queue's selector. Moderation does not exist for anyone but
moderators and admins: 404, never 401 or 403, like anything a viewer may not see.

One decision on what a suspended moderator may do, ``suspended_moderator_may``: no verb and no
write of any kind (403 ``suspended``, with the end date), and of the moderators' pages only the
flag queue (``SUSPENDED_MAY_READ``), read-only. The queue of held and crisis posts and the
audit log stay closed to them, as they always have been.
"""

from enum import StrEnum

from django.http import Http404

from accounts.models import Role, TrustLevel, User
from accounts.policies import check_not_suspended
from community.forum.policies import Viewer
from config.api.errors import ApiError

# Members whose role makes them staff: moderators and admins.
STAFF_ROLES = (Role.MODERATOR, Role.ADMIN)


class Page(StrEnum):
    """What a moderator reads (a write is no page: ``reading=None``)."""

    # Posts waiting for a decision: members' held and crisis posts.
    QUEUE = "queue"
    # Every moderator verb, with who acted on whom.
    AUDIT_LOG = "audit_log"
    # Posts with open flags, with the text as members reported it.
    FLAGS = "flags"


# The pages a suspended moderator may still read.
SUSPENDED_MAY_READ = frozenset({Page.FLAGS})


def suspended_moderator_may(*, reading: Page | None) -> bool:
    """Whether a suspended moderator may do this: read ``reading``, or (None) write."""
    return reading is not None and reading in SUSPENDED_MAY_READ


def check_can_moderate(*, viewer: Viewer, reading: Page | None = None) -> User:
    """The moderator (or admin) ``viewer``, who may act now, or read ``reading``. Raises 404 for
    anyone else, and 403 ``suspended`` for a suspended moderator unless
    ``suspended_moderator_may`` it."""
    if not isinstance(viewer, User) or not viewer.is_moderator:
        raise Http404
    if not suspended_moderator_may(reading=reading):
        check_not_suspended(user=viewer)
    return viewer


# --- members' flags -------------------------------------------------------------------------


def counts_toward_hiding(flagger: User) -> bool:
    """Whether ``flagger``'s flag counts toward hiding the post: an established member's or a
    moderator's does (a moderator's hides it at once). A new member's still reaches the
    moderators."""
    return flagger.is_moderator or flagger.trust_level == TrustLevel.ESTABLISHED


# --- suspending members ---------------------------------------------------------------------


def check_can_suspend(*, actor: User, target: User, lifting: bool) -> None:
    """Nobody suspends themselves or an admin; only an admin suspends a moderator. The same
    for lifting a suspension."""
    verb = "lift the suspension of" if lifting else "suspend"
    if target.pk == actor.pk:
        raise ApiError(
            f"You cannot {verb} your own account.", code="cannot_suspend_self", status_code=403
        )
    if target.role == Role.ADMIN:
        raise ApiError(f"You cannot {verb} an admin.", code="cannot_suspend_admin", status_code=403)
    if target.role == Role.MODERATOR and actor.role != Role.ADMIN:
        raise ApiError(
            f"Only an admin can {verb} a moderator.",
            code="cannot_suspend_moderator",
            status_code=403,
        )
