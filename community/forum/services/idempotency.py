"""Replays the first answer to a create retried with the same ``Idempotency-Key``."""

import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from community.forum.models import IdempotencyRecord
from config.api.errors import ApiError

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def run_idempotent(
    *, user: User, key: str | None, scope: str, create: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """Runs ``create`` once per (member, key): a retry gets the stored status and body.

    The record is written in the same transaction as the post, so a failed create leaves no
    record and can be retried; two racing requests with one key wait on the unique index
    and the second replays the first.
    """
    if key is None:
        return create()
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(
            "Idempotency-Key must be 8 to 100 letters, digits or . _ : -",
            code="invalid_idempotency_key",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, scope=scope, status_code=0, body={}
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            if existing.scope != scope:
                raise ApiError(
                    "This Idempotency-Key was already used for another request.",
                    code="idempotency_key_reused",
                    status_code=422,
                ) from None
            return existing.status_code, existing.body
        status_code, body = create()
        record.status_code = status_code
        record.body = body
        record.save(update_fields=["status_code", "body"])
        return status_code, body
