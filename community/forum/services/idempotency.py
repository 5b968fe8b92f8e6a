"""Replays the first answer to a create retried with the same ``Idempotency-Key``."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from community.forum.models import IdempotencyRecord
from config.api.errors import ApiError
from config.api.idempotency import KEY_PATTERN


def request_digest(data: Any) -> str:
    """One digest for one request's content, however its JSON was spaced or ordered."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _reused(existing: IdempotencyRecord) -> ApiError:
    first_id = existing.body.get("id") if isinstance(existing.body, dict) else None
    return ApiError(
        "This Idempotency-Key was already used for another post"
        + (f" (id {first_id})" if first_id is not None else "")
        + ". What you sent now was not posted; your draft is kept. "
        "Send it again with a new Idempotency-Key.",
        code="idempotency_key_reused",
        status_code=422,
        extra={"existing": {"id": first_id}},
    )


def run_idempotent(
    *,
    user: User,
    key: str | None,
    scope: str,
    digest: str,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Runs ``create`` once per (member, key): a retry of the same request (same ``scope`` and
    ``digest`` of its content) gets the stored status and body; the same key with another
    request is 422 ``idempotency_key_reused``, and nothing is created.

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
                    user=user, key=key, scope=scope, request_digest=digest, status_code=0, body={}
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            if existing.scope != scope or existing.request_digest not in ("", digest):
                raise _reused(existing) from None
            return existing.status_code, existing.body
        status_code, body = create()
        record.status_code = status_code
        record.body = body
        record.save(update_fields=["status_code", "body"])
        return status_code, body
