"""Who may do what in the library: pure rules, no queries. The services enforce the same
rules (with the reasons a refusal gives); the API shows them to clients as ``can``."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from community.resources.models import Resource, ResourceState


def can_curate(viewer: User | AnonymousUser) -> bool:
    """Curators, moderators and admins: they see every resource and its link details."""
    return isinstance(viewer, User) and viewer.is_authenticated and viewer.can_curate


def may_act(viewer: User | AnonymousUser) -> bool:
    """Signed in and not suspended: may write at all."""
    return isinstance(viewer, User) and viewer.is_authenticated and not viewer.is_suspended()


def may_curate(viewer: User | AnonymousUser) -> bool:
    """A curator who may act now (a suspended curator still reads as one)."""
    return can_curate(viewer) and may_act(viewer)


def resource_actions(*, viewer: User | AnonymousUser, resource: Resource) -> dict[str, bool]:
    """What this viewer may do with this resource, as the API's ``can`` block."""
    member = may_act(viewer)
    curating = member and can_curate(viewer)
    published = resource.state == ResourceState.PUBLISHED
    own_waiting = (
        member
        and resource.state == ResourceState.SUGGESTED
        and resource.suggested_by_id == viewer.pk
    )
    return {
        "save": member and published,
        "mark_helpful": member and published,
        "edit": curating or own_waiting,
        "withdraw": own_waiting,
        "publish": curating and not published,
        "archive": curating and resource.state != ResourceState.ARCHIVED,
        "review": curating and published,
    }
