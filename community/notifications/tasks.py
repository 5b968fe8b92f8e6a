from celery import shared_task

from community.notifications.fanout import notify_post_published


@shared_task(name="notifications.post_published")
def post_published_task(post_id: int) -> int:
    """Tells the members who follow a newly published post. Safe to run twice."""
    return notify_post_published(post_id=post_id)
