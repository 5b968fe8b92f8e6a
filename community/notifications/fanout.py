"""Who hears about a newly published post, in the app. Runs after commit (see ``tasks``)."""

from django.db import transaction

from community.forum.models import Mention, Post, PostState, Subscription, SubscriptionLevel
from community.notifications.kinds import Kind
from community.notifications.models import Notification


def notify_post_published(*, post_id: int) -> int:
    """Creates the in-app notifications for a published post: mentions, a reply to someone's
    post, and watchers of the thread (or, for a new thread, of the board). Each member gets at
    most one notification per post, the most specific kind; muted threads and boards make none.

    Safe to run twice (a unique constraint drops repeats). Returns how many were created.
    """
    post = (
        Post.objects.select_related("thread", "reply_to")
        .filter(pk=post_id, state=PostState.PUBLISHED, thread__state=PostState.PUBLISHED)
        .first()
    )
    if post is None:
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

    already = set(Notification.objects.filter(post=post).values_list("recipient_id", "kind"))
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            actor_id=post.author_id,
            board_id=thread.board_id,
            thread_id=thread.pk,
            post_id=post.pk,
        )
        for user_id, kind in chosen.items()
        if (user_id, kind) not in already
    ]
    # A concurrent run may still race us: the unique constraint drops its repeats.
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
