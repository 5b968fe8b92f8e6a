"""Who hears about a newly published post, in the app and by email.

Publishing writes a ``PendingFanout`` row in the post's own transaction and enqueues the
fan-out after commit; the fan-out makes the notifications and their email rows in one
transaction and removes the pending row. If the broker loses the task, the sweeper finds the
pending row and enqueues it again, so no post goes untold.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.models import User
from community.forum.models import Mention, Post, PostState, Subscription, SubscriptionLevel
from community.forum.selectors import post_pairs_readable
from community.notifications.kinds import Kind
from community.notifications.models import Notification, PendingFanout
from community.notifications.outbox.write import attach_emails


def fanout_schedule(*, post: Post) -> None:
    """Call in the transaction that publishes ``post``: its notifications follow after commit."""
    from community.notifications.tasks import post_published_task

    PendingFanout.objects.bulk_create([PendingFanout(post=post)], ignore_conflicts=True)
    post_published_task.delay_on_commit(post.pk)  # type: ignore[attr-defined]


@transaction.atomic
def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    event_key: str,
    actor_id: int | None = None,
    board_id: int | None = None,
    thread_id: int | None = None,
    post_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """Tells these members of one event, in the app and by email as each chose, in one
    transaction. The way other subdomains notify (moderation, resources).

    ``event_key`` names the event (e.g. ``"post:42:approved"``): running it twice for the same
    event adds no notification and no email. Returns the notifications created.
    """
    recipient_ids = set(recipient_ids)
    already = Notification.objects.filter(kind=kind, recipient_id__in=recipient_ids)
    if post_id is not None:
        already = already.filter(post_id=post_id)
    else:
        already = already.filter(event_key=event_key)
    recipient_ids -= set(already.values_list("recipient_id", flat=True))
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            actor_id=actor_id,
            board_id=board_id,
            thread_id=thread_id,
            post_id=post_id,
            data=data or {},
            event_key=event_key,
        )
        for user_id in sorted(recipient_ids)
    ]
    attach_emails(rows, event_key=event_key)
    return Notification.objects.bulk_create(rows, ignore_conflicts=post_id is not None)


def notify_post_published(*, post_id: int) -> int:
    """Creates the in-app notifications for a published post: mentions, a reply to someone's
    post, and watchers of the thread (or, for a new thread, of the board). Each member gets at
    most one notification per post, the most specific kind; muted threads and boards make none,
    and nor does a post the member may not open now (an urgent one, under
    ``MODERATION_CRISIS_VISIBILITY``): running it again once they may tells them then.

    Safe to run twice (a unique constraint drops repeats). Returns how many were created.
    """
    post = (
        Post.objects.select_related("thread", "reply_to")
        .filter(pk=post_id, state=PostState.PUBLISHED, thread__state=PostState.PUBLISHED)
        .first()
    )
    if post is None:
        PendingFanout.objects.filter(post_id=post_id).delete()
        return 0
    thread = post.thread
    muted = set(
        Subscription.objects.filter(thread=thread, level=SubscriptionLevel.MUTED).values_list(
            "user_id", flat=True
        )
    ) | set(
        Subscription.objects.filter(
            board_id=thread.board_id, level=SubscriptionLevel.MUTED
        ).values_list("user_id", flat=True)
    )
    chosen: dict[int, str] = {}

    def offer(user_ids: list[int] | set[int], kind: str) -> None:
        for user_id in user_ids:
            if user_id != post.author_id and user_id not in muted:
                chosen.setdefault(user_id, kind)

    offer(list(Mention.objects.filter(post=post).values_list("user_id", flat=True)), Kind.MENTION)
    if post.reply_to is not None and post.reply_to.state == PostState.PUBLISHED:
        offer([post.reply_to.author_id], Kind.REPLY_TO_MY_POST)
    if post.position == 1:
        watchers = Subscription.objects.filter(
            board_id=thread.board_id, level=SubscriptionLevel.WATCHING
        )
        offer(set(watchers.values_list("user_id", flat=True)), Kind.NEW_THREAD_IN_WATCHED_BOARD)
    else:
        watchers = Subscription.objects.filter(thread=thread, level=SubscriptionLevel.WATCHING)
        offer(set(watchers.values_list("user_id", flat=True)), Kind.REPLY_IN_WATCHED_THREAD)

    # Run again (the broker, or urgency cleared), it tells only those it has not told.
    already = set(
        Notification.objects.filter(post=post, event_key=f"post:{post.pk}").values_list(
            "recipient_id", flat=True
        )
    )
    chosen = {user_id: kind for user_id, kind in chosen.items() if user_id not in already}
    # Whoever may not open the post now hears nothing of it: not its author, not its thread.
    recipients = User.objects.filter(pk__in=list(chosen)).only("id", "role")
    readers = {
        user_id for user_id, _ in post_pairs_readable(pairs=[(u, post.pk) for u in recipients])
    }
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            actor_id=post.author_id,
            board_id=thread.board_id,
            thread_id=thread.pk,
            post_id=post.pk,
            event_key=f"post:{post.pk}",
        )
        for user_id, kind in chosen.items()
        if user_id in readers
    ]
    # One transaction: the notifications, their emails, and the end of the pending fan-out.
    # A concurrent run may still race us: the unique constraints drop its repeats.
    with transaction.atomic():
        attach_emails(rows, event_key=f"post:{post.pk}")
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        PendingFanout.objects.filter(post_id=post.pk).delete()
    return len(rows)
