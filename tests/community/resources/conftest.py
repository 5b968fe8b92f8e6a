import pytest
from rest_framework.test import APIClient

from bench.lib.httpserver import LocalServer
from tests import factories


@pytest.fixture(autouse=True)
def _library_ready(search_columns):
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
