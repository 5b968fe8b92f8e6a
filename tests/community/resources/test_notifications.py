"""Who hears about a suggestion: the curators when it arrives, its member when a curator
decides."""

import pytest

from community.notifications.kinds import Kind
from community.notifications.models import Notification
from community.resources.services import curation
from tests import factories
from tests.factories import make_resource

pytestmark = pytest.mark.django_db

LIBRARY = "/api/v1/resources"


@pytest.fixture(autouse=True)
def _emails_at_once(settings):
    settings.EMAIL_COALESCE_SECONDS = 0


def suggest(client, **overrides):
    body = {
        "title": "Pain clinic finder",
        "url": "https://pain.example.org/clinics",
        "category": "pain",
        **overrides,
    }
    response = client.post(LIBRARY, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_curators_hear_of_a_new_suggestion_and_members_do_not(
    member, member_client, curator, moderator
):
    bystander = factories.UserFactory()

    resource_id = suggest(member_client)

    told = Notification.objects.filter(kind=Kind.RESOURCE_SUGGESTED)
    assert {n.recipient_id for n in told} == {curator.pk, moderator.pk}
    assert bystander.pk not in {n.recipient_id for n in told}
    [one] = told.filter(recipient=curator)
    assert one.data["resource"] == resource_id
    assert one.data["url"].endswith(f"/admin/resources/resource/{resource_id}/change/")


def test_the_member_is_told_when_their_suggestion_is_published(
    member, member_client, curator, mailoutbox, django_capture_on_commit_callbacks
):
    resource_id = suggest(member_client)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        curation.resource_publish(curator=curator, resource_id=resource_id)
        curation.resource_publish(curator=curator, resource_id=resource_id)

    [told] = Notification.objects.filter(recipient=member, kind=Kind.RESOURCE_PUBLISHED)
    assert told.data["url"].endswith(f"/resources/{resource_id}")
    [email] = [m for m in mailoutbox if m.to == [member.email]]
    assert email.subject.endswith("Your suggestion is in the library")
    # Discreet like every email: the title stays on the site.
    assert "Pain clinic finder" not in email.body


def test_a_declined_suggestion_tells_the_member_why(member, member_client, curator_client):
    resource_id = suggest(member_client)

    curator_client.post(
        f"{LIBRARY}/{resource_id}/archive",
        {"reason": "We already list a page that covers this."},
        format="json",
    )

    [told] = Notification.objects.filter(recipient=member, kind=Kind.RESOURCE_DECLINED)
    assert told.data["reason"] == "We already list a page that covers this."
    again = member_client.post(
        LIBRARY,
        {"title": "Again", "url": "https://pain.example.org/clinics", "category": "pain"},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["message"] == (
        "A curator has already considered this link and did not add it."
    )


def test_curators_suggesting_and_publishing_their_own_are_not_told(curator, curator_client):
    resource_id = suggest(curator_client)

    curation.resource_publish(curator=curator, resource_id=resource_id)

    assert not Notification.objects.filter(recipient=curator).exists()


def test_archiving_a_published_resource_tells_no_member(member, curator):
    resource = make_resource(suggested_by=member)

    curation.resource_archive(curator=curator, resource_id=resource.pk, reason="Outdated.")

    assert not Notification.objects.filter(recipient=member).exists()


def test_a_curator_finds_the_library_kinds_in_their_settings(curator_client, member_client):
    def kinds(client) -> set[str]:
        response = client.get("/api/v1/me/notification-preferences")
        assert response.status_code == 200, response.content
        return {row["kind"] for row in response.json()["kinds"]}

    assert {Kind.RESOURCE_SUGGESTED, Kind.RESOURCE_BROKEN, Kind.RESOURCE_REVIEW_DUE} <= kinds(
        curator_client
    )
    assert Kind.RESOURCE_BROKEN not in kinds(member_client)
    assert Kind.RESOURCE_PUBLISHED in kinds(member_client)
