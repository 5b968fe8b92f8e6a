"""A post can point to a library resource; the thread shows it as a card."""

import pytest

from community.forum.models import Draft, Post
from community.resources.models import Resource, ResourceState
from tests import factories
from tests.factories import BoardFactory, make_resource, make_thread
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_flood_wait(settings):
    settings.MODERATION_FLOOD_SECONDS = 0


@pytest.fixture
def thread():
    board = BoardFactory(posting_policy="open")
    return make_thread(board=board, author=factories.UserFactory())


def posts_url(thread) -> str:
    return f"/api/v1/threads/{thread.pk}/posts"


def test_a_reply_shows_its_resource_as_a_card(member_client, anon_client, thread):
    resource = make_resource(
        title="Botulinum toxin injections",
        url="https://charity.example.org/botox",
        organisation="A dystonia charity",
        category="botulinum_toxin",
    )

    created = member_client.post(
        posts_url(thread),
        {"body": "This leaflet helped me.", "resource": resource.pk},
        format="json",
    )

    assert created.status_code == 201, created.content
    card = {
        "id": resource.pk,
        "title": "Botulinum toxin injections",
        "url": "https://charity.example.org/botox",
        "organisation": "A dystonia charity",
        "category": "botulinum_toxin",
    }
    assert created.json()["resource"] == card
    listed = anon_client.get(posts_url(thread)).json()["results"]
    assert [post["resource"] for post in listed] == [None, card]


def test_a_new_thread_can_point_to_a_resource(member_client):
    board = BoardFactory(posting_policy="open")
    resource = make_resource(title="Exercises")

    created = member_client.post(
        f"/api/v1/boards/{board.slug}/threads",
        {"title": "Stretches that help", "body": "Try these.", "resource": resource.pk},
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["opening_post"]["resource"]["title"] == "Exercises"


def test_a_resource_that_left_the_library_leaves_the_card(member_client, anon_client, thread):
    resource = make_resource(title="Old leaflet")
    member_client.post(
        posts_url(thread), {"body": "See this.", "resource": resource.pk}, format="json"
    )

    Resource.objects.filter(pk=resource.pk).update(state=ResourceState.ARCHIVED)

    listed = anon_client.get(posts_url(thread)).json()["results"]
    assert listed[-1]["body_html"] == "<p>See this.</p>\n"
    assert listed[-1]["resource"] is None


@pytest.mark.parametrize("which", ["suggested", "missing", "beyond_any_id"])
def test_only_published_resources_can_be_linked(member, member_client, thread, which):
    suggested = make_resource(state=ResourceState.SUGGESTED, suggested_by=member)
    resource_id = {"suggested": suggested.pk, "missing": 999_999, "beyond_any_id": 10**30}[which]
    Draft.objects.create(user=member, thread=thread, body="My words, kept.")

    response = member_client.post(
        posts_url(thread), {"body": "My words, kept.", "resource": resource_id}, format="json"
    )

    assert response.status_code == 422
    assert "resource" in response.json()["fields"]
    assert Post.objects.filter(thread=thread).count() == 1
    assert Draft.objects.get(user=member, thread=thread).body == "My words, kept."


def test_cards_cost_no_query_per_post(anon_client, thread):
    def grow(_have: int, n: int) -> None:
        Post.objects.filter(thread=thread, position__gt=1).delete()
        for i in range(n):
            resource = make_resource(title=f"R{i}")
            reply = factories.make_reply(
                thread=thread, author=factories.UserFactory(), body=f"Reply {i}"
            )
            Post.objects.filter(pk=reply.pk).update(resource=resource)

    def cards(_n: int) -> int:
        rows = anon_client.get(posts_url(thread), {"page_size": 50}).json()["results"]
        return sum(1 for row in rows if row["resource"])

    shown = assert_constant_queries(cards, grow=grow)

    assert shown == (2, 25)
