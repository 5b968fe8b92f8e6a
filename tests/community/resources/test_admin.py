"""The library in the admin, as a curator (a member trusted with it) and a moderator use it."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone

from accounts.services import staff_access_sync
from community.moderation.models import ModerationAction, Verb
from community.resources.models import Resource, ResourceState
from tests import factories
from tests.factories import make_resource
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

MODERATORS = import_module("community.moderation.migrations.0002_moderators_group")
CURATORS = import_module("community.resources.migrations.0002_search_and_curators")
LIST = "/admin/resources/resource/"


@pytest.fixture
def groups(db) -> None:
    """The groups the migrations create on deployment."""
    MODERATORS.moderators_group_create(django_apps)
    CURATORS.curators_group_create(django_apps)


@pytest.fixture
def curator_admin(groups) -> Client:
    curator = factories.CuratorFactory(username="shelf_keeper")
    staff_access_sync(user=curator)
    client = Client()
    client.force_login(curator)
    return client


def form_data(resource: Resource, **changes) -> dict:
    data = {
        "title": resource.title,
        "url": resource.url,
        "summary_source": resource.summary_source,
        "organisation": resource.organisation,
        "category": resource.category,
        "audience": resource.audience,
        "language": resource.language,
        "review_interval_months": resource.review_interval_months,
    }
    return {**data, **changes}


def test_a_curator_publishes_suggestions_in_bulk(curator_admin):
    waiting = [
        make_resource(title=f"Suggested {n}", state=ResourceState.SUGGESTED) for n in range(2)
    ]
    live = make_resource(title="Already live")

    response = curator_admin.post(
        LIST,
        {"action": "publish_selected", "_selected_action": [r.pk for r in [*waiting, live]]},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Published: “Suggested 1”, “Suggested 0”.",
        "Already published: “Already live”.",
    ]
    assert set(Resource.objects.values_list("state", flat=True)) == {ResourceState.PUBLISHED}
    assert ModerationAction.objects.filter(verb=Verb.RESOURCE_PUBLISH).count() == 2


def test_archive_and_review_actions_write_the_log(curator_admin):
    old = make_resource(title="Old leaflet")
    due = make_resource(title="Due for a look")
    Resource.objects.filter(pk=due.pk).update(last_reviewed_at=None)

    curator_admin.post(LIST, {"action": "archive_selected", "_selected_action": [old.pk]})
    curator_admin.post(LIST, {"action": "review_selected", "_selected_action": [due.pk]})

    assert Resource.objects.get(pk=old.pk).state == ResourceState.ARCHIVED
    assert Resource.objects.get(pk=due.pk).last_reviewed_at is not None
    assert sorted(ModerationAction.objects.values_list("verb", flat=True)) == [
        Verb.RESOURCE_ARCHIVE,
        Verb.RESOURCE_REVIEW,
    ]


def test_editing_in_the_admin_checks_the_link_like_the_api(curator_admin):
    resource = make_resource(title="Guide", url="https://guide.example.org/")
    make_resource(title="Other", url="https://taken.example.org/")
    page = f"{LIST}{resource.pk}/change/"

    bad = curator_admin.post(page, form_data(resource, url="javascript:alert(1)"))
    taken = curator_admin.post(page, form_data(resource, url="HTTPS://TAKEN.example.org"))
    good = curator_admin.post(page, form_data(resource, url="HTTPS://New.Example.org/guide#part"))

    assert "Only web addresses starting with http:// or https://" in bad.content.decode()
    assert "This link is already in the library: “Other”." in taken.content.decode()
    assert good.status_code == 302, good.context["adminform"].form.errors
    assert Resource.objects.get(pk=resource.pk).url == "https://new.example.org/guide"
    [edit] = ModerationAction.objects.filter(resource=resource)
    assert (edit.verb, edit.data) == (Verb.RESOURCE_EDIT, {"fields": ["url"]})


def test_a_resource_a_curator_adds_is_published(curator_admin):
    response = curator_admin.post(
        f"{LIST}add/",
        {
            "title": "Dystonia charity",
            "url": "https://charity.example.org",
            "summary_source": "Support groups near you.",
            "organisation": "A charity",
            "category": "support_organisations",
            "audience": "everyone",
            "language": "en",
            "review_interval_months": 12,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    resource = Resource.objects.get()
    assert (resource.state, resource.url) == (
        ResourceState.PUBLISHED,
        "https://charity.example.org/",
    )
    assert resource.summary_html == "<p>Support groups near you.</p>\n"


def test_the_list_costs_the_same_for_2_or_25_resources(curator_admin):
    def grow(_have: int, n: int) -> None:
        Resource.objects.all().delete()
        for i in range(n):
            make_resource(title=f"R{i}", suggested_by=factories.UserFactory())

    def listed(n: int) -> None:
        response = curator_admin.get(LIST)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == n

    assert_constant_queries(listed, grow=grow)


def test_moderators_curate_in_the_admin_and_members_cannot_enter(groups):
    moderator = factories.ModeratorFactory()
    staff_access_sync(user=moderator)
    member = factories.UserFactory()
    resource = make_resource(state=ResourceState.SUGGESTED)
    as_moderator, as_member = Client(), Client()
    as_moderator.force_login(moderator)
    as_member.force_login(member)

    as_moderator.post(LIST, {"action": "publish_selected", "_selected_action": [resource.pk]})

    assert Resource.objects.get(pk=resource.pk).state == ResourceState.PUBLISHED
    assert as_member.get(LIST).status_code == 302  # to the sign-in page
    assert as_moderator.get(f"{LIST}{resource.pk}/delete/").status_code == 403


def test_a_suspended_curator_sees_the_library_read_only(groups):
    curator = factories.CuratorFactory(suspended_until=timezone.now() + timedelta(days=3))
    staff_access_sync(user=curator)
    resource = make_resource(state=ResourceState.SUGGESTED)
    client = Client()
    client.force_login(curator)

    listing = client.get(LIST)
    client.post(LIST, {"action": "publish_selected", "_selected_action": [resource.pk]})
    edited = client.post(f"{LIST}{resource.pk}/change/", form_data(resource, title="Changed"))

    assert listing.status_code == 200
    assert "publish_selected" not in listing.content.decode()
    assert edited.status_code == 403
    assert Resource.objects.get(pk=resource.pk).state == ResourceState.SUGGESTED
    assert Resource.objects.get(pk=resource.pk).title == resource.title
