from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from community.demo.library import (
    RESOURCES,
    SUGGESTIONS,
    demo_resources_load,
    tag_name,
)
from community.forum.models import Post
from community.resources.links import url_normalise
from community.resources.models import Audience, Category, Resource, ResourceState, Tag
from community.resources.selectors import resource_visible_to
from tests import factories

pytestmark = pytest.mark.django_db

ALL = [*RESOURCES, *SUGGESTIONS]


@pytest.fixture
def curator(db):
    """The demo library is curated by whoever loads it: here a curator of its own."""
    return factories.CuratorFactory(username="careful_curator")


def published() -> list[Resource]:
    return list(Resource.objects.filter(state=ResourceState.PUBLISHED).prefetch_related("tags"))


def test_the_demo_library_covers_every_topic_of_the_seed(curator):
    created = demo_resources_load(curator=curator)

    library = published()
    assert created == len(library) == len(RESOURCES) >= 24
    categories = {resource.category for resource in library}
    for category in (
        Category.BOTULINUM_TOXIN,
        Category.DBS_AND_SURGERY,
        Category.PHYSICAL_THERAPY,
        Category.PAIN,
        Category.DAILY_LIVING,
        Category.WORK,
        Category.MENTAL_HEALTH,
        Category.RESEARCH_AND_TRIALS,
        Category.SUPPORT_ORGANISATIONS,
        Category.UNDERSTANDING_DYSTONIA,
    ):
        assert category in categories, category
    assert any(resource.audience == Audience.CAREGIVERS for resource in library)
    charities = {
        tag.slug
        for resource in library
        if resource.category == Category.SUPPORT_ORGANISATIONS
        for tag in resource.tags.all()
    }
    assert {"uk", "us", "europe", "ireland", "canada"} <= charities
    assert any("international" in {t.slug for t in r.tags.all()} for r in library)
    assert {"https://www.dystonia.org.uk/", "https://dystonia-foundation.org/"} <= {
        resource.url for resource in library
    }


def test_every_link_is_https_unique_and_stored_in_its_normal_form():
    urls = [spec["url"] for spec in ALL]

    assert len(set(urls)) == len(urls)
    for url in urls:
        assert url.startswith("https://"), url
        assert url_normalise(url) == url


def test_each_resource_is_described_for_the_library():
    for spec in ALL:
        assert spec["title"], spec["url"]
        assert spec["organisation"], spec["url"]
        assert spec["category"] in Category.values
        assert spec["audience"] in Audience.values
        assert 1 <= len(spec["tags"]) <= 4, spec["url"]
        assert all(tag == tag.lower() and " " not in tag for tag in spec["tags"])
        assert spec["language"] == "en"
        sentences = spec["summary"].count(". ") + 1
        assert 1 <= sentences <= 3, spec["url"]
        assert len(spec["summary"]) <= 400, spec["url"]


def test_published_resources_are_curated_reviewed_and_due_again_in_a_year(curator):
    before = timezone.now()
    demo_resources_load(curator=curator)

    dystonia_uk = Resource.objects.get(url="https://www.dystonia.org.uk/")
    assert dystonia_uk.curated_by == curator
    assert dystonia_uk.suggested_by is None
    assert dystonia_uk.published_at is not None
    assert dystonia_uk.last_reviewed_at is not None
    assert before <= dystonia_uk.last_reviewed_at <= timezone.now()
    assert dystonia_uk.published_at <= dystonia_uk.last_reviewed_at
    reviewed, due = dystonia_uk.last_reviewed_at, dystonia_uk.review_due_at
    assert due is not None
    # Twelve calendar months on: the same date next year (28 February for a 29th).
    assert (due.year, due.month) == (reviewed.year + 1, reviewed.month)
    assert due.day == reviewed.day or (reviewed.month, reviewed.day, due.day) == (2, 29, 28)
    assert due.time() == reviewed.time()
    assert dystonia_uk.summary_html.startswith("<p>The UK charity for everyone affected")
    assert {tag.name for tag in dystonia_uk.tags.all()} == {"Charity", "Support groups", "UK"}
    assert not Resource.objects.exclude(curated_by=curator).exists()


def test_the_library_opens_in_the_order_of_the_demo_list(curator):
    demo_resources_load(curator=curator)

    newest_first = resource_visible_to(viewer=AnonymousUser()).order_by("-published_at", "-id")
    assert list(newest_first.values_list("url", flat=True)) == [r["url"] for r in RESOURCES]


def test_loading_twice_adds_nothing(curator):
    member = factories.UserFactory()
    first = demo_resources_load(curator=curator, suggested_by=member)
    counts = (Resource.objects.count(), Tag.objects.count())

    assert demo_resources_load(curator=curator, suggested_by=member) == 0
    assert (Resource.objects.count(), Tag.objects.count()) == counts
    assert first == len(RESOURCES) + len(SUGGESTIONS)


def test_a_link_already_in_the_library_is_left_as_the_curators_made_it(curator):
    Resource.objects.create(
        title="Dystonia UK (our own description)",
        url="https://www.dystonia.org.uk/",
        category=Category.SUPPORT_ORGANISATIONS,
        state=ResourceState.ARCHIVED,
    )

    created = demo_resources_load(curator=curator)

    assert created == len(RESOURCES) - 1
    kept = Resource.objects.get(url="https://www.dystonia.org.uk/")
    assert kept.title == "Dystonia UK (our own description)"
    assert kept.state == ResourceState.ARCHIVED


def test_a_members_suggestions_wait_for_a_curator(curator):
    member = factories.UserFactory()

    demo_resources_load(curator=curator, suggested_by=member)

    waiting = Resource.objects.filter(state=ResourceState.SUGGESTED)
    assert waiting.count() == len(SUGGESTIONS) == 2
    for resource in waiting:
        assert resource.suggested_by == member
        assert resource.curated_by is None
        assert resource.published_at is None
    anonymous = resource_visible_to(viewer=AnonymousUser())
    assert not anonymous.filter(state=ResourceState.SUGGESTED).exists()
    assert resource_visible_to(viewer=curator).filter(state=ResourceState.SUGGESTED).count() == 2


def test_tag_names_read_well():
    assert tag_name("deep-brain-stimulation") == "Deep brain stimulation"
    assert tag_name("uk") == "UK"
    assert tag_name("us") == "US"
    assert tag_name("clinical-trials") == "Clinical trials"


# --- seed_demo ------------------------------------------------------------------------------
def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The demo community, loaded once for this module inside a transaction that is rolled
    back at its end; each test runs in its own savepoint within it."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEBUG=True, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
        transaction.atomic(),
    ):
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def test_seed_demo_fills_the_library(seeded):
    moderator = User.objects.get(username="sam_moderates")

    library = Resource.objects.filter(state=ResourceState.PUBLISHED)
    assert library.count() == len(RESOURCES)
    assert set(library.values_list("curated_by", flat=True)) == {moderator.pk}
    waiting = Resource.objects.filter(state=ResourceState.SUGGESTED)
    assert set(waiting.values_list("suggested_by__username", flat=True)) == {"jo_tilts_left"}
    assert waiting.count() == 2
    assert f"Library:   created {len(RESOURCES) + 2} resources" in seeded


def test_seed_demo_twice_adds_no_resources(seeded):
    before = Resource.objects.count()

    with override_settings(DEBUG=True):
        output = seed()

    assert Resource.objects.count() == before
    assert "Library:   created 0 resources" in output


def test_two_demo_posts_show_the_resource_they_link_to(seeded):
    linked = list(Post.objects.filter(resource__isnull=False).select_related("resource"))

    assert len(linked) == 2
    for post in linked:
        assert post.resource is not None
        assert post.resource.url in post.body_source
        assert post.resource.state == ResourceState.PUBLISHED
    titles = {post.resource.title for post in linked if post.resource}
    assert titles == {"Dystonia Medical Research Foundation", "ClinicalTrials.gov"}
