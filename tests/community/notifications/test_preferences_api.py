import pytest

from community.notifications.models import EmailSettings, NotificationPreference

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notification-preferences"


def _by_kind(body: dict) -> dict[str, dict]:
    return {row["kind"]: row for row in body["kinds"]}


def test_a_member_sees_the_defaults_replies_and_mentions_now_board_activity_weekly(member_client):
    response = member_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    kinds = _by_kind(body)
    assert kinds["reply_in_watched_thread"]["delivery"] == "now"
    assert kinds["reply_to_my_post"]["delivery"] == "now"
    assert kinds["mention"]["delivery"] == "now"
    assert kinds["new_thread_in_watched_board"]["delivery"] == "weekly"
    assert kinds["post_rejected"]["delivery"] == "now"
    # Discreet by default: no post text in emails, digests timed in UTC.
    assert body["include_post_text"] is False
    assert body["timezone"] == "UTC"


def test_members_are_not_offered_moderator_alerts_but_moderators_are(
    member_client, moderator_client
):
    member_kinds = set(_by_kind(member_client.get(URL).json()))
    moderator_kinds = _by_kind(moderator_client.get(URL).json())

    assert "urgent_crisis" not in member_kinds
    assert "queue_waiting" not in member_kinds
    assert moderator_kinds["urgent_crisis"] == {
        "kind": "urgent_crisis",
        "description": "Urgent: a member may be in crisis",
        "delivery": "now",
        "default": "now",
        "urgent": True,
    }
    assert member_kinds < set(moderator_kinds)


def test_patch_changes_choices_and_keeps_the_others(member_client, member):
    response = member_client.patch(
        URL,
        {
            "kinds": {"mention": "daily", "new_thread_in_watched_board": "off"},
            "include_post_text": True,
            "timezone": "Europe/London",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    kinds = _by_kind(response.json())
    assert kinds["mention"]["delivery"] == "daily"
    assert kinds["new_thread_in_watched_board"]["delivery"] == "off"
    assert kinds["reply_to_my_post"]["delivery"] == "now"
    again = member_client.get(URL).json()
    assert again["include_post_text"] is True
    assert again["timezone"] == "Europe/London"
    assert _by_kind(again)["mention"]["delivery"] == "daily"


def test_choosing_the_default_again_stores_nothing(member_client, member):
    member_client.patch(URL, {"kinds": {"mention": "weekly"}}, format="json")
    assert NotificationPreference.objects.filter(user=member).count() == 1

    response = member_client.patch(URL, {"kinds": {"mention": "now"}}, format="json")

    assert response.status_code == 200
    assert _by_kind(response.json())["mention"]["delivery"] == "now"
    assert not NotificationPreference.objects.filter(user=member).exists()


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"kinds": {"mention": "hourly"}}, "kinds", 400),
        ({"kinds": {"urgent_crisis": "off"}}, "kinds", 422),
        ({"kinds": {"not_a_kind": "now"}}, "kinds", 400),
        ({"kinds": "now"}, "kinds", 400),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", 400),
        ({"include_post_text": "perhaps"}, "include_post_text", 400),
    ],
)
def test_bad_choices_are_refused_and_nothing_changes(member_client, member, body, field, status):
    """400 for what the schema refuses; 422 for a well-formed choice this member cannot make."""
    member_client.patch(URL, {"kinds": {"mention": "daily"}}, format="json")

    # A valid change sent alongside the bad one must not be written either.
    if field != "include_post_text":
        body = {**body, "include_post_text": True}

    response = member_client.patch(URL, body, format="json")

    assert response.status_code == status
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert _by_kind(member_client.get(URL).json())["mention"]["delivery"] == "daily"
    assert not EmailSettings.objects.filter(user=member, include_post_text=True).exists()


def test_a_member_cannot_turn_off_moderator_alerts_they_do_not_receive(member_client, member):
    response = member_client.patch(URL, {"kinds": {"queue_waiting": "off"}}, format="json")

    assert response.status_code == 422
    assert "queue_waiting" in response.json()["fields"]["kinds"]
    assert not NotificationPreference.objects.filter(user=member).exists()


def test_preferences_need_sign_in(anon_client):
    assert anon_client.get(URL).status_code == 401
    assert anon_client.patch(URL, {}, format="json").status_code == 401


def test_suspended_member_reads_but_cannot_change_preferences(suspended_client):
    assert suspended_client.get(URL).status_code == 200
    response = suspended_client.patch(URL, {"kinds": {"mention": "off"}}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "suspended"


def test_preferences_query_count(member_client, member, django_assert_num_queries):
    member_client.patch(
        URL, {"kinds": {"mention": "daily", "reply_to_my_post": "off"}}, format="json"
    )
    # The user, the stored choices, the email settings.
    with django_assert_num_queries(3):
        assert member_client.get(URL).status_code == 200
