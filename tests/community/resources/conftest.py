import importlib

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bench.lib.httpserver import LocalServer
from tests import factories

search_migration = importlib.import_module(
    "community.resources.migrations.0002_search_and_curators"
)


@pytest.fixture(scope="session")
def _resource_search_vector(django_db_setup, django_db_blocker):
    """The test database is built from the models: add the column migration 0002 adds."""
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        search_migration.add_search_vector(None, editor)


@pytest.fixture(autouse=True)
def _library_ready(_resource_search_vector):
    """Every test here may search the library (test modules without the database override
    this)."""


@pytest.fixture
def curator(db):
    return factories.CuratorFactory(username="careful_curator")


@pytest.fixture
def curator_client(curator) -> APIClient:
    client = APIClient()
    client.force_login(curator)
    return client


@pytest.fixture
def server(settings):
    """A real HTTP server on 127.0.0.1 (see bench/lib/httpserver.py) that the link checker
    is allowed to reach."""
    with LocalServer() as server:
        settings.RESOURCES_LINK_CHECK_ALLOW = [server.allow]
        yield server
