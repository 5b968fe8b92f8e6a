"""Operational endpoints (health, readiness) and the error views outside DRF."""

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.api.errors import CSRF_FAILED_MESSAGE, error_body
from config.health import readiness_checks

logger = logging.getLogger(__name__)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """A small page pointing people to the API docs and the admin site."""
    return render(request, "index.html", {"name": settings.COMMUNITY_NAME})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this instance can serve, and what behind it wants an operator's eye.

    The database and (when configured) Redis must answer: otherwise 503, naming what failed::

        {"status": "unavailable", "failed": ["database"],
         "checks": {"database": "unavailable", "redis": "ok"}}

    Once they do, the checks apps registered in ``config.health`` run (the outbox's, for one).
    They only warn: the answer stays 200, ``"ok"`` when all of them are::

        {"status": "ok", "checks": {"database": "ok", "redis": "ok", "outbox": "ok"}}

    and ``"degraded"`` when some are not, naming them in ``warnings``, marking each
    ``"degraded"`` (or ``"unavailable"`` when the check itself failed to run) in ``checks``,
    and giving what each degraded one found under ``details``::

        {"status": "degraded", "warnings": ["outbox"],
         "checks": {"database": "ok", "redis": "ok", "outbox": "degraded"},
         "details": {"outbox": {"oldest_due_seconds": 612, "threshold_seconds": 600}}}

    While the service is unavailable the warning checks do not run: most need the database,
    and a 503 names only what failed.
    """
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.warning("readiness check failed: %s", name, exc_info=True)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    if failed:
        return JsonResponse(
            {"status": "unavailable", "failed": failed, "checks": results}, status=503
        )
    warnings: list[str] = []
    details: dict[str, dict[str, object]] = {}
    for name, warning_check in readiness_checks().items():
        try:
            outcome = warning_check()
            detail = None if outcome == "ok" else dict(outcome)
        except Exception:
            logger.warning("readiness check failed: %s", name, exc_info=True)
            results[name] = "unavailable"
            warnings.append(name)
            continue
        if detail is None:
            results[name] = "ok"
        else:
            results[name] = "degraded"
            warnings.append(name)
            details[name] = detail
    if warnings:
        return JsonResponse(
            {"status": "degraded", "warnings": warnings, "checks": results, "details": details}
        )
    return JsonResponse({"status": "ok", "checks": results})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF refusals: the error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(code="csrf_failed", message=CSRF_FAILED_MESSAGE),
            status=403,
        )
    return django_csrf_failure(request, reason=reason)
