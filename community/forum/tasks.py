from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from community.forum.models import IdempotencyRecord

IDEMPOTENCY_KEEP = timedelta(hours=24)


@shared_task(name="forum.purge_idempotency_records")
def purge_idempotency_records_task() -> int:
    """Forgets create answers older than a day (a client retries within minutes).

    Safe to run twice. Returns how many records were removed.
    """
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - IDEMPOTENCY_KEEP
    ).delete()
    return deleted
