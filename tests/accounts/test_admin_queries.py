import pytest
from django.test import Client

from tests import factories
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

USERS_PATH = "/admin/accounts/user/"


def changelist_rows(client: Client, expected_rows: int) -> None:
    response = client.get(USERS_PATH)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected_rows


def grow(_have: int, rows: int) -> None:
    """Members of every kind, up to ``rows`` in the list with the admin; unusable passwords:
    no one signs in as them, and hashing 27 passwords is slow."""
    if rows == 3:
        factories.UserFactory.create(password=None)
        factories.SuspendedMemberFactory.create(password=None)
        return
    factories.UserFactory.create_batch(10, password=None)
    factories.ModeratorFactory.create_batch(5, password=None)
    factories.NewMemberFactory.create_batch(5, password=None)
    factories.SuspendedMemberFactory.create_batch(5, password=None)


def test_user_changelist_query_count_does_not_grow_with_members(admin_user):
    client = Client()
    client.force_login(admin_user)

    assert_constant_queries(lambda n: changelist_rows(client, n), grow=grow, small=3, large=28)
