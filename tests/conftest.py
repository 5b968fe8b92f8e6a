import os
import uuid

import pytest
from django.core.cache import cache
from django.test.utils import override_settings
from rest_framework.test import APIClient

from tests import factories

# Headless Chromium for the browser tests.
from tests.browser import browser  # noqa: F401

# Fixtures that start a real Celery worker against Redis and an SMTP server.
from tests.worker_fixtures import broker, start_worker, worker_env  # noqa: F401

# One id per test run, shared by its worker processes: concurrent runs on the same PostgreSQL
# and Redis never touch each other's databases or keys.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHE_PREFIX = f"test-{RUN_ID}-{WORKER}"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings

    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    test_settings["NAME"] = f"test_{settings.DATABASES['default']['NAME']}_{RUN_ID}_{WORKER}"


@pytest.fixture(scope="session")
def search_columns(django_db_setup, django_db_blocker):
    """The test database is built from the models (no migrations): add the full-text search
    columns and indexes the forum's and the library's migrations add, once per database."""
    from importlib import import_module

    from django.db import connection

    forum = import_module("community.forum.migrations.0002_search_vectors")
    library = import_module("community.resources.migrations.0002_search_and_curators")
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        forum.add_search_vectors(None, editor)
        library.add_search_vector(None, editor)


@pytest.fixture(scope="session", autouse=True)
def _redis_cache_per_run():
    """The real Redis as cache, under a key prefix of this run and worker."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        yield
        return
    cache_settings = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": CACHE_PREFIX,
    }
    with override_settings(CACHES={"default": cache_settings}):
        yield


@pytest.fixture(scope="session", autouse=True)
def _tasks_in_process():
    """Tasks run in the test process after commit; the delivery tests start a real worker."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Members are created by the hundred; a cheap hasher keeps that fast. Sign-in still goes
    through the real password check."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counters start at zero in every test."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        cache.clear()
        return
    client = backend.get_client(write=True)
    keys = list(client.scan_iter(match=f"{CACHE_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def member(db):
    return factories.UserFactory()


@pytest.fixture
def new_member(db):
    return factories.NewMemberFactory()


@pytest.fixture
def moderator(db):
    return factories.ModeratorFactory()


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory()


@pytest.fixture
def suspended_member(db):
    return factories.SuspendedMemberFactory()


def _client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def anon_client():
    return _client_for()


@pytest.fixture
def member_client(member):
    return _client_for(member)


@pytest.fixture
def new_member_client(new_member):
    return _client_for(new_member)


@pytest.fixture
def moderator_client(moderator):
    return _client_for(moderator)


@pytest.fixture
def admin_client_api(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def suspended_client(suspended_member):
    return _client_for(suspended_member)


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost for this test (see tests/smtp.py)."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Marks tests by the fixtures they use, before ``-m`` selects: ``worker`` for those that
    start a real Celery worker process, ``browser`` for those that drive headless Chromium.
    ``-m 'not browser'`` then runs the suite on a machine without Chromium.

    The schema conformance tests come first and the outbox's fault tests next: the two longest
    units of the suite (one xdist worker runs each) start at once, beside the rest, instead of
    last and alone."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "start_worker" in fixtures:
            item.add_marker(pytest.mark.worker)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
    items.sort(
        key=lambda item: (
            item.get_closest_marker("conformance") is None,
            item.get_closest_marker("faults") is None,
        )
    )


def pytest_terminal_summary(terminalreporter):
    """Lists what some tests record for the log: the screenshots browser tests saved (a
    "screenshot" property) and the schema conformance summaries ("conformance")."""
    for key, title in (("screenshot", "screenshots"), ("conformance", "schema conformance")):
        lines = [
            value
            for outcome in ("passed", "failed")
            for report in terminalreporter.stats.get(outcome, [])
            for name, value in getattr(report, "user_properties", [])
            if name == key
        ]
        if lines:
            terminalreporter.section(title)
            for line in lines:
                terminalreporter.write_line(line)
