import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db

USERS_PATH = "/admin/accounts/user/"


def changelist_queries(client: Client, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(USERS_PATH)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected_rows
    return len(queries)


def test_user_changelist_query_count_does_not_grow_with_members(admin_user):
    client = Client()
    client.force_login(admin_user)
    # Members with unusable passwords: no one signs in as them, and hashing 27 passwords is slow.
    factories.UserFactory.create(password=None)
    factories.SuspendedMemberFactory.create(password=None)

    few = changelist_queries(client, expected_rows=3)

    factories.UserFactory.create_batch(10, password=None)
    factories.ModeratorFactory.create_batch(5, password=None)
    factories.NewMemberFactory.create_batch(5, password=None)
    factories.SuspendedMemberFactory.create_batch(5, password=None)
    many = changelist_queries(client, expected_rows=28)

    assert many == few
