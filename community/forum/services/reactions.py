"""Support reactions: added and removed, counted, never used to rank anything."""

from django.db import IntegrityError, transaction
from django.db.models import F

from community.forum import policies
from community.forum.models import Post, Reaction, ReactionKind
from community.forum.policies import Viewer


def _count_field(kind: str) -> str:
    return f"{ReactionKind(kind).value}_count"


@transaction.atomic
def reaction_add(*, user: Viewer, post: Post, kind: str) -> bool:
    """Adds the member's reaction. Idempotent: returns False when it was already there."""
    member = policies.check_can_react(user=user, post=post)
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=member, kind=kind)
    except IntegrityError:
        return False
    Post.objects.filter(pk=post.pk).update(**{_count_field(kind): F(_count_field(kind)) + 1})
    return True


@transaction.atomic
def reaction_remove(*, user: Viewer, post: Post, kind: str) -> bool:
    """Removes the member's reaction. Idempotent: returns False when there was none."""
    member = policies.check_can_react(user=user, post=post)
    deleted, _ = Reaction.objects.filter(post=post, user=member, kind=kind).delete()
    if not deleted:
        return False
    Post.objects.filter(pk=post.pk, **{f"{_count_field(kind)}__gt": 0}).update(
        **{_count_field(kind): F(_count_field(kind)) - 1}
    )
    return True
