import pytest

from accounts.models import Profile, Treatment, Visibility

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_me_shows_own_account_and_every_profile_field(member_client, member):
    response = member_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == member.username
    assert body["email"] == member.email  # only the owner ever sees the login email
    assert body["role"] == "member"
    assert body["trust_level"] == "established"
    assert body["suspended_until"] is None
    assert body["clinician"] is None
    assert body["profile"]["bio_visibility"] == "members"
    assert set(body["profile"]) == {
        "bio",
        "bio_visibility",
        "diagnosis_year",
        "diagnosis_year_visibility",
        "treatments",
        "treatments_visibility",
        "country",
        "country_visibility",
    }


def test_me_requires_sign_in(anon_client):
    response = anon_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_patch_me_updates_display_name_and_profile(member_client, member):
    response = member_client.patch(
        ME,
        {
            "display_name": "  Ros   W ",
            "profile": {
                "bio": "Retrocollis since 2015.",
                "bio_visibility": "public",
                "diagnosis_year": 2015,
                "treatments": ["botulinum_toxin", "yoga", "botulinum_toxin"],
                "country": "NZ",
                "country_visibility": "only_me",
            },
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["display_name"] == "Ros W"
    profile = Profile.objects.get(user=member)
    assert profile.bio == "Retrocollis since 2015."
    assert profile.bio_visibility == Visibility.PUBLIC
    assert profile.diagnosis_year == 2015
    assert profile.treatments == [Treatment.BOTULINUM_TOXIN, Treatment.YOGA]
    assert str(profile.country) == "NZ"
    assert profile.country_visibility == Visibility.ONLY_ME
    # Fields not sent keep their values.
    assert profile.diagnosis_year_visibility == Visibility.MEMBERS


def test_patch_me_cannot_change_role_trust_email_or_username(member_client, member):
    response = member_client.patch(
        ME,
        {
            "display_name": "Jo",
            "role": "admin",
            "trust_level": "established",
            "email": "x@example.org",
            "username": "x",
            "profile": {"bio": "Hi", "is_staff": True},
        },
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"role", "trust_level", "email", "username", "profile"}
    assert set(fields["profile"]) == {"is_staff"}
    member.refresh_from_db()
    assert member.display_name != "Jo"
    assert member.role == "member"
    assert member.email != "x@example.org"
    assert member.username != "x"


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"diagnosis_year": 2999}, "diagnosis_year"),
        ({"diagnosis_year": 1200}, "diagnosis_year"),
        ({"treatments": ["leeches"]}, "treatments"),
        ({"country": "XX"}, "country"),
        ({"bio_visibility": "friends"}, "bio_visibility"),
        ({"bio": "x" * 2001}, "bio"),
        ({"bio": 12}, "bio"),
        ({"treatments": "yoga"}, "treatments"),
    ],
)
def test_patch_me_refuses_bad_profile_values_and_changes_nothing(
    member_client, member, profile, field
):
    before = Profile.objects.get(user=member)

    response = member_client.patch(ME, {"profile": profile}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]["profile"]
    after = Profile.objects.get(user=member)
    assert (after.bio, after.diagnosis_year, after.treatments, after.country) == (
        before.bio,
        before.diagnosis_year,
        before.treatments,
        before.country,
    )


def test_suspended_member_reads_me_but_cannot_change_it(suspended_client, suspended_member):
    assert suspended_client.get(ME).status_code == 200

    response = suspended_client.patch(ME, {"display_name": "New name"}, format="json")

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "suspended"
    assert body["until"].startswith(suspended_member.suspended_until.date().isoformat())
    suspended_member.refresh_from_db()
    assert suspended_member.display_name != "New name"


def test_me_query_count(member_client, django_assert_num_queries):
    # The user (the session comes from the cache), then the account with its profile.
    with django_assert_num_queries(2):
        assert member_client.get(ME).status_code == 200


def test_patch_me_query_count(member_client, django_assert_num_queries):
    # User; locked user, update, locked profile, update (in a savepoint); re-read.
    with django_assert_num_queries(8):
        response = member_client.patch(
            ME, {"display_name": "A", "profile": {"bio": "b"}}, format="json"
        )
    assert response.status_code == 200


def test_patch_me_refuses_a_number_for_the_display_name(member_client, member):
    response = member_client.patch(ME, {"display_name": 5}, format="json")

    assert response.status_code == 400
    assert "display_name" in response.json()["fields"]
    member.refresh_from_db()
    assert member.display_name != "5"


@pytest.mark.parametrize("country", [{}, [], 12, None, {"code": "NZ"}])
def test_a_country_that_is_not_a_code_is_refused_and_keeps_the_saved_one(
    member_client, member, country
):
    member_client.patch(ME, {"profile": {"country": "NZ"}}, format="json")

    response = member_client.patch(ME, {"profile": {"country": country}}, format="json")

    assert response.status_code == 400, response.content
    assert "country" in response.json()["fields"]["profile"]
    assert str(Profile.objects.get(user=member).country) == "NZ"
