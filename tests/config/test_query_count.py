"""The opt-in X-Query-Count header: counts a request's queries, absent unless enabled."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from config.middleware import QueryCountMiddleware

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_counts_the_queries_of_the_request():
    def view(request: HttpRequest) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/api/v1/boards"))

    assert response["X-Query-Count"] == "2"


def test_a_request_without_queries_counts_zero():
    response = QueryCountMiddleware(lambda request: HttpResponse("ok"))(
        RequestFactory().get("/healthz")
    )

    assert response["X-Query-Count"] == "0"


def test_not_installed_by_default():
    assert "config.middleware.QueryCountMiddleware" not in settings.MIDDLEWARE


@pytest.mark.parametrize(("value", "installed"), [("1", True), ("0", False)])
def test_installed_first_only_when_asked_for(value, installed):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "QUERY_COUNT_HEADER": value}
    script = "from django.conf import settings; print(settings.MIDDLEWARE[0])"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first = result.stdout.strip()
    assert (first == "config.middleware.QueryCountMiddleware") is installed
