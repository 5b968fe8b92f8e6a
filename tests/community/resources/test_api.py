"""The library through the API: reading and filtering, suggesting, curating, saving and
"this helped me", as members, curators and visitors see them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.moderation.models import ModerationAction, Verb
from community.resources import search
from community.resources.models import HelpfulMark, LinkStatus, Resource, ResourceState
from community.resources.services import curation
from tests import factories
from tests.factories import make_resource
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

LIBRARY = "/api/v1/resources"
SAVED = "/api/v1/resources/saved"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def suggestion(**overrides):
    return {
        "title": "Exercises for a turning neck",
        "url": "https://physio.example.org/neck-exercises",
        "summary": "Gentle **stretches** a physiotherapist shows, step by step.",
        "organisation": "Example Physiotherapy Society",
        "category": "physical_therapy",
        "audience": "patients",
        "tags": ["exercise"],
        "language": "en",
        **overrides,
    }


# --- reading the library ------------------------------------------------------------------


def test_visitors_read_published_resources_newest_first(anon_client):
    make_resource(title="Older guide")
    make_resource(title="Newer guide")
    make_resource(title="Waiting suggestion", state=ResourceState.SUGGESTED)
    make_resource(title="Archived page", state=ResourceState.ARCHIVED)

    response = anon_client.get(LIBRARY)

    assert titles(response) == ["Newer guide", "Older guide"]
    row = response.json()["results"][0]
    assert row["summary_html"] == "<p>A calm overview of the condition and its treatments.</p>\n"
    assert row["link"] == {"status": "unchecked", "checked_at": None}
    assert row["saved"] is None
    assert row["can"]["save"] is False


def test_filters_by_category_audience_tag_and_language(anon_client):
    make_resource(title="Toxin for patients", category="botulinum_toxin", audience="patients")
    make_resource(title="Toxin for everyone", category="botulinum_toxin", tags=("injections",))
    make_resource(title="Toxin for clinicians", category="botulinum_toxin", audience="clinicians")
    make_resource(title="Pain for carers", category="pain", audience="caregivers")
    make_resource(title="Guía en español", category="pain", language="es", tags=("injections",))

    by_category = anon_client.get(LIBRARY, {"category": "botulinum_toxin"})
    for_patients = anon_client.get(LIBRARY, {"category": "botulinum_toxin", "audience": "patients"})
    by_tag = anon_client.get(LIBRARY, {"tag": "injections"})
    in_spanish = anon_client.get(LIBRARY, {"language": "es"})

    assert titles(by_category) == [
        "Toxin for clinicians",
        "Toxin for everyone",
        "Toxin for patients",
    ]
    everyone = by_category.json()["results"][1]
    assert everyone["tags"] == [{"slug": "injections", "name": "injections"}]
    assert everyone["category_label"] == "Treatment: botulinum toxin"
    # An audience also finds what is written for everyone.
    assert titles(for_patients) == ["Toxin for everyone", "Toxin for patients"]
    assert titles(by_tag) == ["Guía en español", "Toxin for everyone"]
    assert titles(in_spanish) == ["Guía en español"]


def test_unknown_filter_values_are_400_with_the_field(anon_client):
    response = anon_client.get(LIBRARY, {"category": "astrology", "audience": "aliens"})

    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"category", "audience"}


@pytest.fixture(params=["postgres", "fallback"])
def engine(request, monkeypatch):
    """Runs a test on full-text search and again on the fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "full_text_available", lambda: False)
    return request.param


def test_search_finds_words_in_title_organisation_and_summary(anon_client, engine):
    make_resource(title="Deep brain stimulation explained")
    make_resource(title="A charity", organisation="Dystonia Stimulation Trust")
    make_resource(title="Living well", summary="How stimulation settings are adjusted.")
    make_resource(title="Unrelated", summary="Pain diaries.")
    make_resource(title="Stimulation draft", state=ResourceState.SUGGESTED)

    found = titles(anon_client.get(LIBRARY, {"q": "stimulation"}))
    narrowed = titles(anon_client.get(LIBRARY, {"q": "stimulation brain"}))
    nothing = titles(anon_client.get(LIBRARY, {"q": "!!!"}))

    if engine == "postgres":
        # Best first: a title match, then the organisation's, then the summary's.
        assert found == ["Deep brain stimulation explained", "A charity", "Living well"]
    else:
        assert found == ["Living well", "A charity", "Deep brain stimulation explained"]
    assert narrowed == ["Deep brain stimulation explained"]
    assert nothing == []


def test_search_results_page_without_repeats(anon_client, engine):
    for n in range(5):
        make_resource(title=f"Neck exercise sheet {n}", category="physical_therapy")
    make_resource(title="Neck brace guide", category="daily_living")

    first = anon_client.get(LIBRARY, {"q": "neck", "category": "physical_therapy", "page_size": 2})
    second = anon_client.get(first.json()["next"])
    third = anon_client.get(second.json()["next"])

    pages = [titles(first), titles(second), titles(third)]
    seen = [title for page in pages for title in page]
    assert sorted(seen) == [f"Neck exercise sheet {n}" for n in range(5)]
    assert third.json()["next"] is None
    assert anon_client.get(first.json()["next"].replace("cursor=", "cursor=x")).status_code == 400


def test_pages_follow_the_cursor_without_repeats(anon_client):
    for n in range(5):
        make_resource(title=f"Guide {n}")

    first = anon_client.get(LIBRARY, {"page_size": 2}).json()
    second = anon_client.get(first["next"]).json()
    third = anon_client.get(second["next"]).json()

    pages = [[r["title"] for r in page["results"]] for page in (first, second, third)]
    assert pages == [["Guide 4", "Guide 3"], ["Guide 2", "Guide 1"], ["Guide 0"]]
    assert third["next"] is None
    assert anon_client.get(LIBRARY, {"cursor": "not-a-cursor"}).status_code == 400


@pytest.mark.parametrize("who", ["visitor", "member", "curator"])
def test_list_queries_do_not_grow_with_the_page(who, anon_client, member_client, curator_client):
    client = {"visitor": anon_client, "member": member_client, "curator": curator_client}[who]

    def grow(_have: int, n: int) -> None:
        Resource.objects.all().delete()
        for i in range(n):
            make_resource(
                title=f"Resource {i}", tags=("a", "b"), suggested_by=factories.UserFactory()
            )

    def listed(n: int) -> None:
        assert len(titles(client.get(LIBRARY, {"tag": "a", "page_size": 25}))) == n

    assert_constant_queries(listed, grow=grow, what=f"the library as {who}")


# --- suggesting ---------------------------------------------------------------------------


def test_a_suggestion_is_seen_only_by_its_member_and_curators(
    member, member_client, curator_client, anon_client
):
    make_resource(title="Published", tags=("exercise",))

    response = member_client.post(LIBRARY, suggestion(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "suggested"
    assert body["url"] == "https://physio.example.org/neck-exercises"
    assert body["summary_html"] == (
        "<p>Gentle <strong>stretches</strong> a physiotherapist shows, step by step.</p>\n"
    )
    detail = f"{LIBRARY}/{body['id']}"
    assert member_client.get(detail).status_code == 200
    assert titles(member_client.get(LIBRARY, {"state": "suggested"})) == [
        "Exercises for a turning neck"
    ]
    assert titles(member_client.get(LIBRARY)) == ["Published"]
    assert curator_client.get(detail).json()["suggested_by"] == member.username
    other = factories.UserFactory()
    from rest_framework.test import APIClient

    other_client = APIClient()
    other_client.force_login(other)
    assert other_client.get(detail).status_code == 404
    assert titles(other_client.get(LIBRARY, {"state": "suggested"})) == []
    assert anon_client.get(detail).status_code == 404


def test_a_link_already_in_the_library_points_to_it(member_client):
    existing = make_resource(
        title="Neck exercises", url="https://physio.example.org/neck-exercises"
    )

    # The same address spelled differently is the same link.
    response = member_client.post(
        LIBRARY,
        suggestion(url="HTTPS://Physio.Example.org:443/neck-exercises?utm_source=news#top"),
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_url"
    assert body["existing"]["id"] == existing.pk
    assert "Neck exercises" in body["fields"]["url"][0]
    assert Resource.objects.count() == 1


def test_someone_elses_waiting_suggestion_is_not_revealed(member_client):
    make_resource(
        title="Private working title",
        url="https://physio.example.org/neck-exercises",
        state=ResourceState.SUGGESTED,
        suggested_by=factories.UserFactory(),
    )

    response = member_client.post(LIBRARY, suggestion(), format="json")

    assert response.status_code == 409
    assert "existing" not in response.json()
    assert "Private working title" not in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "data:text/html,<b>hi</b>"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "/relative/page"}, "url"),
        ({"url": "https://example.org/" + "a" * 2100}, "url"),
        ({"title": "t" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"summary": "s" * 5001}, "summary"),
        ({"category": "astrology"}, "category"),
        ({"audience": "aliens"}, "audience"),
        ({"tags": "exercise"}, "tags"),
        ({"tags": ["Not A Slug!"]}, "tags"),
        ({"language": "english please"}, "language"),
        ({"state": "published"}, "state"),
    ],
)
def test_bad_input_is_400_with_the_field_and_stores_nothing(member_client, overrides, field):
    make_resource(title="Published", tags=("exercise",))

    response = member_client.post(LIBRARY, suggestion(**overrides), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert Resource.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://192.168.1.10/admin",
        "http://localhost/page",
        "https://printer.local/",
        "https://user:secret@example.org/",
    ],
)
def test_a_well_formed_link_that_cannot_be_used_is_422_and_stores_nothing(member_client, url):
    response = member_client.post(LIBRARY, suggestion(url=url), format="json")

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert "url" in body["fields"]
    assert not Resource.objects.exists()


def test_a_tag_the_library_does_not_have_is_422_for_a_member(member_client):
    make_resource(title="Published", tags=("exercise",))

    response = member_client.post(LIBRARY, suggestion(tags=["never-heard-of"]), format="json")

    assert response.status_code == 422, response.content
    assert "never-heard-of" in response.json()["fields"]["tags"][0]
    assert Resource.objects.count() == 1


def test_a_body_that_is_not_an_object_is_400(member_client):
    response = member_client.post(LIBRARY, ["a", "list"], format="json")

    assert response.status_code == 400
    assert Resource.objects.count() == 0


def test_visitors_and_suspended_members_cannot_suggest(anon_client, suspended_client):
    assert anon_client.post(LIBRARY, suggestion(), format="json").status_code in (401, 403)
    refused = suspended_client.post(LIBRARY, suggestion(), format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "suspended"
    assert Resource.objects.count() == 0


# --- curating -----------------------------------------------------------------------------


def test_a_curator_publishes_a_suggestion_once(curator, curator_client, member_client, anon_client):
    suggested = member_client.post(LIBRARY, suggestion(tags=[]), format="json").json()
    url = f"{LIBRARY}/{suggested['id']}/publish"

    first = curator_client.post(url)
    again = curator_client.post(url)

    assert first.status_code == 200
    assert first.json()["state"] == "published"
    assert first.json()["changed"] is True
    assert again.json()["changed"] is False
    assert titles(anon_client.get(LIBRARY)) == ["Exercises for a turning neck"]
    log = ModerationAction.objects.filter(resource_id=suggested["id"])
    assert [(a.verb, a.actor_id) for a in log] == [(Verb.RESOURCE_PUBLISH, curator.pk)]
    resource = Resource.objects.get(pk=suggested["id"])
    assert resource.curated_by_id == curator.pk
    assert resource.review_due_at.year == resource.last_reviewed_at.year + 1


def test_moderators_curate_and_members_cannot(moderator_client, member_client):
    resource = make_resource(state=ResourceState.SUGGESTED)

    for verb in ("publish", "archive", "review"):
        refused = member_client.post(f"{LIBRARY}/{resource.pk}/{verb}")
        assert refused.status_code == 404, verb
    assert (
        member_client.patch(f"{LIBRARY}/{resource.pk}", {"title": "x"}, format="json").status_code
        == 404
    )
    assert moderator_client.post(f"{LIBRARY}/{resource.pk}/publish").json()["state"] == "published"
    assert ModerationAction.objects.filter(verb=Verb.RESOURCE_PUBLISH).count() == 1


def test_archiving_takes_it_out_of_the_library_with_a_reason(curator_client, anon_client):
    resource = make_resource(title="Outdated leaflet")

    response = curator_client.post(
        f"{LIBRARY}/{resource.pk}/archive",
        {"reason": "Replaced by the 2026 edition."},
        format="json",
    )

    assert response.json()["state"] == "archived"
    assert titles(anon_client.get(LIBRARY)) == []
    assert anon_client.get(f"{LIBRARY}/{resource.pk}").status_code == 404
    action = ModerationAction.objects.get(resource=resource)
    assert (action.verb, action.reason) == (Verb.RESOURCE_ARCHIVE, "Replaced by the 2026 edition.")
    assert titles(curator_client.get(LIBRARY, {"state": "archived"})) == ["Outdated leaflet"]


def test_editing_the_link_starts_its_health_afresh(curator_client):
    resource = make_resource(
        url="https://old.example.org/page",
        link_status=LinkStatus.BROKEN,
        link_failures=4,
        link_error="HTTP 404",
    )

    response = curator_client.patch(
        f"{LIBRARY}/{resource.pk}",
        {"url": "https://new.example.org/page", "title": "New home of the page"},
        format="json",
    )
    same = curator_client.patch(
        f"{LIBRARY}/{resource.pk}", {"url": "https://new.example.org/page"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    assert body["link"]["status"] == "unchecked"
    assert body["link"]["consecutive_failures"] == 0
    assert same.json()["changed"] is False
    [edit] = ModerationAction.objects.filter(resource=resource)
    assert edit.data == {"fields": ["title", "url"]}


def test_editing_to_a_link_another_resource_has_is_409(curator_client):
    make_resource(url="https://taken.example.org/")
    resource = make_resource(url="https://mine.example.org/")

    response = curator_client.patch(
        f"{LIBRARY}/{resource.pk}", {"url": "https://taken.example.org"}, format="json"
    )

    assert response.status_code == 409
    assert Resource.objects.get(pk=resource.pk).url == "https://mine.example.org/"


def test_reviewing_moves_the_next_review_and_twice_a_day_is_once(curator_client):
    resource = make_resource()
    Resource.objects.filter(pk=resource.pk).update(last_reviewed_at=None, review_due_at=None)

    first = curator_client.post(f"{LIBRARY}/{resource.pk}/review").json()
    again = curator_client.post(f"{LIBRARY}/{resource.pk}/review").json()

    assert first["changed"] is True
    assert first["review_due_at"] is not None
    assert again["changed"] is False
    assert ModerationAction.objects.filter(verb=Verb.RESOURCE_REVIEW).count() == 1


# --- a member's own marks -----------------------------------------------------------------


def test_saving_puts_it_on_the_members_list(member_client):
    first = make_resource(title="First")
    second = make_resource(title="Second")

    assert member_client.put(f"{LIBRARY}/{first.pk}/saved").json()["saved"] is True
    assert member_client.put(f"{LIBRARY}/{second.pk}/saved").json()["changed"] is True
    again = member_client.put(f"{LIBRARY}/{second.pk}/saved").json()

    assert again["changed"] is False
    assert titles(member_client.get(SAVED)) == ["Second", "First"]
    assert member_client.delete(f"{LIBRARY}/{first.pk}/saved").json()["saved"] is False
    assert titles(member_client.get(SAVED)) == ["Second"]
    # Another member's list is their own.
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_login(factories.UserFactory())
    assert titles(other.get(SAVED)) == []


def test_this_helped_me_counts_once_per_member_and_never_ranks(member_client, anon_client):
    popular = make_resource(title="Popular")
    make_resource(title="Newest")
    for _ in range(3):
        HelpfulMark.objects.create(user=factories.UserFactory(), resource=popular)
    Resource.objects.filter(pk=popular.pk).update(helpful_count=3)

    marked = member_client.put(f"{LIBRARY}/{popular.pk}/helpful").json()
    twice = member_client.put(f"{LIBRARY}/{popular.pk}/helpful").json()

    assert (marked["helpful_count"], marked["helped_me"]) == (4, True)
    assert (twice["helpful_count"], twice["changed"]) == (4, False)
    assert titles(anon_client.get(LIBRARY)) == ["Newest", "Popular"]
    taken_back = member_client.delete(f"{LIBRARY}/{popular.pk}/helpful").json()
    assert (taken_back["helpful_count"], taken_back["helped_me"]) == (3, False)


def test_a_suggestion_cannot_be_saved_and_hidden_ones_are_404(member, member_client):
    own = make_resource(state=ResourceState.SUGGESTED, suggested_by=member)
    others = make_resource(state=ResourceState.SUGGESTED, url="https://other.example.org/")

    assert member_client.put(f"{LIBRARY}/{own.pk}/saved").json()["code"] == "not_published"
    assert member_client.put(f"{LIBRARY}/{others.pk}/helpful").status_code == 404
    assert member_client.put(f"{LIBRARY}/999999/saved").status_code == 404


def test_visitors_cannot_save(anon_client):
    resource = make_resource()

    assert anon_client.put(f"{LIBRARY}/{resource.pk}/saved").status_code in (401, 403)
    assert anon_client.get(SAVED).status_code in (401, 403)


def test_tags_list_everything_to_filter_by(anon_client):
    make_resource(tags=("neck-pain", "exercise"))

    response = anon_client.get("/api/v1/resources/tags")

    assert [tag["slug"] for tag in response.json()] == ["exercise", "neck-pain"]


def test_the_saved_list_costs_the_same_for_2_or_25(member, member_client):
    def grow(_have: int, n: int) -> None:
        Resource.objects.all().delete()
        for i in range(n):
            resource = make_resource(title=f"Saved {i}", tags=("a",))
            member_client.put(f"{LIBRARY}/{resource.pk}/saved")

    def listed(n: int) -> None:
        assert len(titles(member_client.get(SAVED, {"page_size": 25}))) == n

    assert_constant_queries(listed, grow=grow, what="the saved list")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Nul\x00byte"}, "title"),
        ({"organisation": "Line\nbreak"}, "organisation"),
        ({"summary": "Bell\x07"}, "summary"),
    ],
)
def test_control_characters_are_refused_not_a_crash(member_client, overrides, field):
    response = member_client.post(LIBRARY, suggestion(tags=[], **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Resource.objects.count() == 0


def test_a_summary_keeps_its_paragraphs(member_client):
    response = member_client.post(
        LIBRARY, suggestion(tags=[], summary="First.\n\nSecond."), format="json"
    )

    assert response.status_code == 201
    assert response.json()["summary_html"] == "<p>First.</p>\n<p>Second.</p>\n"


def test_an_archive_reason_must_be_text(curator_client):
    resource = make_resource()

    response = curator_client.post(f"{LIBRARY}/{resource.pk}/archive", {"reason": 5}, format="json")

    assert response.status_code == 400
    assert Resource.objects.get(pk=resource.pk).state == ResourceState.PUBLISHED


def test_a_member_may_have_a_few_suggestions_waiting(member, member_client, curator, settings):
    settings.RESOURCES_MAX_WAITING_SUGGESTIONS = 2
    for n in range(2):
        created = member_client.post(
            LIBRARY, suggestion(tags=[], url=f"https://ex.org/{n}"), format="json"
        )
        assert created.status_code == 201

    refused = member_client.post(
        LIBRARY, suggestion(tags=[], url="https://ex.org/2"), format="json"
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "suggestion_limit"
    assert Resource.objects.count() == 2
    # Once a curator has looked at one, there is room again.
    curation.resource_publish(curator=curator, resource_id=Resource.objects.first().pk)
    again = member_client.post(LIBRARY, suggestion(tags=[], url="https://ex.org/2"), format="json")
    assert again.status_code == 201


# --- a member's own suggestion, while it waits --------------------------------------------


def test_a_member_fixes_their_waiting_suggestion(member, member_client):
    created = member_client.post(LIBRARY, suggestion(tags=[]), format="json").json()
    assert created["can"]["edit"] is True
    assert created["can"]["withdraw"] is True
    url = f"{LIBRARY}/{created['id']}"

    fixed = member_client.patch(
        url,
        {"title": "Neck exercises, step by step", "url": "https://physio.example.org/v2"},
        format="json",
    )
    same = member_client.patch(url, {"title": "Neck exercises, step by step"}, format="json")
    curators_only = member_client.patch(url, {"review_interval_months": 3}, format="json")

    assert fixed.status_code == 200, fixed.content
    assert (fixed.json()["title"], fixed.json()["url"]) == (
        "Neck exercises, step by step",
        "https://physio.example.org/v2",
    )
    assert same.json()["changed"] is False
    assert curators_only.status_code == 403
    # Not yet in the library: nothing for the audit log.
    assert not ModerationAction.objects.exists()


def test_once_a_curator_has_looked_it_stays_as_they_left_it(member, member_client, curator):
    resource = make_resource(state=ResourceState.SUGGESTED, suggested_by=member)
    curation.resource_publish(curator=curator, resource_id=resource.pk)

    edit = member_client.patch(f"{LIBRARY}/{resource.pk}", {"title": "Mine now"}, format="json")
    withdraw = member_client.delete(f"{LIBRARY}/{resource.pk}")

    assert (edit.status_code, edit.json()["code"]) == (409, "not_waiting")
    assert withdraw.status_code == 409
    assert Resource.objects.get(pk=resource.pk).state == ResourceState.PUBLISHED


def test_others_cannot_change_or_withdraw_a_members_suggestion(member):
    resource = make_resource(state=ResourceState.SUGGESTED, suggested_by=member)
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_login(factories.UserFactory())

    assert other.patch(f"{LIBRARY}/{resource.pk}", {"title": "x"}, format="json").status_code == 404
    assert other.delete(f"{LIBRARY}/{resource.pk}").status_code == 404
    assert Resource.objects.get(pk=resource.pk).title == resource.title


def test_withdrawing_a_waiting_suggestion(member, member_client, curator_client):
    gone = make_resource(state=ResourceState.SUGGESTED, suggested_by=member)
    edited = make_resource(
        state=ResourceState.SUGGESTED, suggested_by=member, url="https://edited.example.org/"
    )
    curator_client.patch(f"{LIBRARY}/{edited.pk}", {"title": "Tidied"}, format="json")

    assert member_client.delete(f"{LIBRARY}/{gone.pk}").status_code == 204
    assert member_client.delete(f"{LIBRARY}/{edited.pk}").status_code == 204

    assert not Resource.objects.filter(pk=gone.pk).exists()
    # The audit log names the curator's edit, so that one is kept, archived.
    assert Resource.objects.get(pk=edited.pk).state == ResourceState.ARCHIVED
    assert titles(member_client.get(LIBRARY, {"state": "suggested"})) == []


def test_the_detail_costs_the_same_whatever_its_tags(member_client):
    resources = {}

    def grow(_have: int, n: int) -> None:
        tags = ("a",) if n == 1 else tuple(f"tag-{k}" for k in range(n))
        resources[n] = make_resource(url=f"https://ex.org/{len(tags)}", tags=tags)

    def detail(n: int) -> None:
        assert member_client.get(f"{LIBRARY}/{resources[n].pk}").status_code == 200

    assert_constant_queries(detail, grow=grow, small=1, large=8, what="tags")


def test_a_suspended_curator_reads_but_cannot_curate(curator, curator_client):
    resource = make_resource(state=ResourceState.SUGGESTED)
    curator.suspended_until = timezone.now() + timedelta(days=2)
    curator.save(update_fields=["suspended_until"])

    refused = curator_client.post(f"{LIBRARY}/{resource.pk}/publish")

    assert (refused.status_code, refused.json()["code"]) == (403, "suspended")
    assert curator_client.get(f"{LIBRARY}/{resource.pk}").json()["can"]["publish"] is False
    assert Resource.objects.get(pk=resource.pk).state == ResourceState.SUGGESTED


def test_visitors_cannot_change_or_withdraw_anything(anon_client):
    resource = make_resource(state=ResourceState.SUGGESTED)

    assert anon_client.patch(
        f"{LIBRARY}/{resource.pk}", {"title": "x"}, format="json"
    ).status_code in (401, 403)
    assert anon_client.delete(f"{LIBRARY}/{resource.pk}").status_code in (401, 403)
    assert anon_client.post(f"{LIBRARY}/{resource.pk}/publish").status_code in (401, 403)
    assert Resource.objects.get(pk=resource.pk).title == resource.title


def test_the_audit_log_names_the_resource(curator, moderator_client):
    resource = make_resource(title="Leaflet on toxin", state=ResourceState.SUGGESTED)
    curation.resource_publish(curator=curator, resource_id=resource.pk)

    [row] = moderator_client.get("/api/v1/moderation/actions").json()["results"]

    assert (row["verb"], row["resource"], row["resource_title"]) == (
        "resource_publish",
        resource.pk,
        "Leaflet on toxin",
    )
