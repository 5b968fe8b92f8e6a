from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Profile, Visibility
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = ("bio", "diagnosis_year", "treatments", "country")
VALUES = {
    "bio": "Torticollis, mostly mornings.",
    "diagnosis_year": 2018,
    "treatments": ["botulinum_toxin"],
    "country": "GB",
}


def _profile_with_all(visibility: str):
    owner = factories.UserFactory(username="rowan_r")
    Profile.objects.filter(user=owner).update(
        **VALUES, **{f"{name}_visibility": visibility for name in FIELDS}
    )
    return owner


def _url(username: str) -> str:
    return f"/api/v1/members/{username}"


@pytest.mark.parametrize(
    ("visibility", "viewer", "sees"),
    [
        (Visibility.PUBLIC, "anonymous", True),
        (Visibility.PUBLIC, "other_member", True),
        (Visibility.PUBLIC, "owner", True),
        (Visibility.MEMBERS, "anonymous", False),
        (Visibility.MEMBERS, "other_member", True),
        (Visibility.MEMBERS, "owner", True),
        (Visibility.ONLY_ME, "anonymous", False),
        (Visibility.ONLY_ME, "other_member", False),
        (Visibility.ONLY_ME, "owner", True),
    ],
)
def test_profile_visibility_matrix(client, visibility, viewer, sees):
    owner = _profile_with_all(visibility)
    if viewer == "owner":
        client.force_login(owner)
    elif viewer == "other_member":
        client.force_login(factories.UserFactory())

    response = client.get(_url(owner.username))

    assert response.status_code == 200
    profile = response.json()["profile"]
    expected = VALUES if sees else dict.fromkeys(FIELDS)
    assert profile == expected


def test_each_field_follows_its_own_visibility(client):
    owner = factories.UserFactory()
    Profile.objects.filter(user=owner).update(
        **VALUES,
        bio_visibility=Visibility.PUBLIC,
        diagnosis_year_visibility=Visibility.MEMBERS,
        treatments_visibility=Visibility.ONLY_ME,
        country_visibility=Visibility.PUBLIC,
    )

    anonymous_view = client.get(_url(owner.username)).json()["profile"]
    client.force_login(factories.UserFactory())
    member_view = client.get(_url(owner.username)).json()["profile"]

    assert anonymous_view == {
        "bio": VALUES["bio"],
        "diagnosis_year": None,
        "treatments": None,
        "country": "GB",
    }
    assert member_view == {**anonymous_view, "diagnosis_year": 2018}


def test_profile_never_shows_the_login_email(client, member):
    client.force_login(factories.ModeratorFactory())

    response = client.get(_url(member.username))

    assert member.email not in response.content.decode()
    assert "email" not in response.json()


def test_lookup_ignores_case(anon_client, member):
    response = anon_client.get(_url(member.username.upper()))

    assert response.status_code == 200
    assert response.json()["username"] == member.username


@pytest.mark.parametrize("name", ["nobody_here", "ab", "has space", "x" * 200, "%FF", "ünï"])
def test_unknown_or_impossible_names_are_404(anon_client, name):
    response = anon_client.get(_url(name))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_deactivated_member_is_404_like_unknown(anon_client):
    gone = factories.UserFactory(is_active=False)

    response = anon_client.get(_url(gone.username))

    assert response.status_code == 404
    assert response.json() == anon_client.get(_url("never_existed")).json()


def test_clinician_badge_shows_only_while_valid(anon_client):
    staff = factories.AdminFactory()
    now = timezone.now()
    valid = factories.UserFactory(
        clinician_verified_by=staff,
        clinician_verified_at=now - timedelta(days=10),
        clinician_expires_at=now + timedelta(days=300),
    )
    expired = factories.UserFactory(
        clinician_verified_by=staff,
        clinician_verified_at=now - timedelta(days=400),
        clinician_expires_at=now - timedelta(days=1),
    )

    assert anon_client.get(_url(valid.username)).json()["clinician"]["expires_at"]
    assert anon_client.get(_url(expired.username)).json()["clinician"] is None


def test_member_profile_query_count(member_client, django_assert_num_queries):
    other = factories.UserFactory()
    # The viewer (the session comes from the cache), then the member with their profile.
    with django_assert_num_queries(2):
        assert member_client.get(_url(other.username)).status_code == 200


def test_member_profile_query_count_anonymous(anon_client, member, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert anon_client.get(_url(member.username)).status_code == 200
