from datetime import timedelta

import pytest
from django.utils import timezone

from community.forum.models import IdempotencyRecord
from community.forum.tasks import purge_idempotency_records_task

pytestmark = pytest.mark.django_db


def test_purge_forgets_day_old_answers_and_keeps_recent_ones(member):
    old = IdempotencyRecord.objects.create(
        user=member,
        key="old-key-123",
        scope="s",
        status_code=201,
        body={},
        created_at=timezone.now() - timedelta(hours=25),
    )
    recent = IdempotencyRecord.objects.create(
        user=member, key="new-key-123", scope="s", status_code=201, body={}
    )

    assert purge_idempotency_records_task() == 1
    assert purge_idempotency_records_task() == 0

    remaining = set(IdempotencyRecord.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk}
    assert old.pk not in remaining
