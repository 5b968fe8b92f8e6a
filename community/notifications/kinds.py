"""Every kind of notification, who may receive it, and how it is delivered by default.

Other subdomains (forum, moderation, resources) only name a kind from here when they notify.
"""

from dataclasses import dataclass

from django.db import models

from accounts.models import Role


class Kind(models.TextChoices):
    REPLY_IN_WATCHED_THREAD = "reply_in_watched_thread", "Replies in threads you watch"
    REPLY_TO_MY_POST = "reply_to_my_post", "Replies to your posts"
    MENTION = "mention", "Mentions of you"
    NEW_THREAD_IN_WATCHED_BOARD = "new_thread_in_watched_board", "New threads in boards you watch"
    POST_APPROVED = "post_approved", "Your post was approved"
    POST_REJECTED = "post_rejected", "Your post was not approved"
    POST_HIDDEN = "post_hidden", "Your post was hidden pending review"
    QUEUE_WAITING = "queue_waiting", "Posts waiting for approval"
    URGENT_CRISIS = "urgent_crisis", "Urgent: a member may be in crisis"
    NEW_FLAG = "new_flag", "New reports of posts"
    RESOURCE_REVIEW_DUE = "resource_review_due", "Resources due for review"
    RESOURCE_BROKEN = "resource_broken", "Resources with broken links"
    RESOURCE_SUGGESTED = "resource_suggested", "New resource suggestions to curate"
    RESOURCE_PUBLISHED = "resource_published", "Your suggested resource was published"
    RESOURCE_DECLINED = "resource_declined", "Your suggested resource was not added"


class Delivery(models.TextChoices):
    NOW = "now", "Email me at once"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    OFF = "off", "No email (still shown in the app)"


@dataclass(frozen=True)
class KindRule:
    default: str
    # Roles that receive it; None means every member.
    roles: frozenset[str] | None = None
    # Urgent kinds are always emailed at once: never batched, never capped, never switched off.
    urgent: bool = False
    # Members trusted with the resource library receive it too, whatever their role.
    curators: bool = False


_STAFF = frozenset({Role.MODERATOR, Role.ADMIN})

RULES: dict[str, KindRule] = {
    Kind.REPLY_IN_WATCHED_THREAD: KindRule(default=Delivery.NOW),
    Kind.REPLY_TO_MY_POST: KindRule(default=Delivery.NOW),
    Kind.MENTION: KindRule(default=Delivery.NOW),
    Kind.NEW_THREAD_IN_WATCHED_BOARD: KindRule(default=Delivery.WEEKLY),
    Kind.POST_APPROVED: KindRule(default=Delivery.NOW),
    Kind.POST_REJECTED: KindRule(default=Delivery.NOW),
    Kind.POST_HIDDEN: KindRule(default=Delivery.NOW),
    Kind.QUEUE_WAITING: KindRule(default=Delivery.NOW, roles=_STAFF),
    Kind.URGENT_CRISIS: KindRule(default=Delivery.NOW, roles=_STAFF, urgent=True),
    Kind.NEW_FLAG: KindRule(default=Delivery.NOW, roles=_STAFF),
    Kind.RESOURCE_REVIEW_DUE: KindRule(default=Delivery.NOW, roles=_STAFF, curators=True),
    Kind.RESOURCE_BROKEN: KindRule(default=Delivery.WEEKLY, roles=_STAFF, curators=True),
    Kind.RESOURCE_SUGGESTED: KindRule(default=Delivery.DAILY, roles=_STAFF, curators=True),
    Kind.RESOURCE_PUBLISHED: KindRule(default=Delivery.NOW),
    Kind.RESOURCE_DECLINED: KindRule(default=Delivery.NOW),
}


def kinds_for(*, role: str, is_curator: bool = False) -> list[str]:
    """The kinds a member with this role (and curator flag) can receive, in a stable order."""
    return [
        kind
        for kind, rule in RULES.items()
        if rule.roles is None or role in rule.roles or (is_curator and rule.curators)
    ]
