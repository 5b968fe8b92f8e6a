"""Watched words, as members and moderators meet them: a blocked word refuses the post and
keeps the draft, a held word sends the post to the queue, and a crisis word alerts moderators.
Matching ignores case, width and spacing tricks but never fires inside another word; bad and
slow regular expressions are refused when a moderator saves them; the list is cached yet a
new word applies to the very next post.
"""

import time

import pytest
from rest_framework.test import APIClient

from community.forum.models import Board, Post, PostState, Thread
from community.moderation import screening
from community.moderation.admin.words import WatchedWordForm
from community.moderation.models import ModerationAction, Verb, WatchedWord, WatchedWordAction
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from config.api.errors import ApiError
from tests import factories

pytestmark = pytest.mark.django_db

BLOCK = WatchedWordAction.BLOCK
HOLD = WatchedWordAction.REQUIRE_APPROVAL
CRISIS = WatchedWordAction.FLAG_CRISIS


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    """These tests post several times a minute; flood control has its own tests."""
    settings.MODERATION_FLOOD_SECONDS = 0


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def threads_url(board: Board) -> str:
    return f"/api/v1/boards/{board.slug}/threads"


def posts_url(thread: Thread) -> str:
    return f"/api/v1/threads/{thread.pk}/posts"


def word_form(pattern: str, action: str, *, is_regex: bool = False) -> WatchedWordForm:
    """A watched word as moderators save one: through the admin's form, which refuses what
    screening could not use."""
    return WatchedWordForm(
        data={"pattern": pattern, "is_regex": is_regex, "action": action, "note": ""}
    )


def watch(pattern: str, action: str, *, is_regex: bool = False) -> WatchedWord:
    form = word_form(pattern, action, is_regex=is_regex)
    assert form.is_valid(), form.errors
    return form.save()


def listed_ids(client: APIClient, thread: Thread) -> list[int]:
    response = client.get(posts_url(thread))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def board(db):
    return factories.BoardFactory()


@pytest.fixture
def thread(board):
    return factories.make_thread(board=board, author=factories.UserFactory())


# --- block ------------------------------------------------------------------------------------


def test_a_blocked_word_refuses_a_new_thread_and_keeps_the_draft(member, member_client, board):
    watch("miracle cure", BLOCK)
    draft = {"title": "Found a cure", "body": "This MIRACLE cure fixed my neck in a week!"}
    saved = member_client.put(f"/api/v1/boards/{board.slug}/draft", draft, format="json")
    assert saved.status_code == 200

    response = member_client.post(threads_url(board), draft, format="json")

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "watched_word"
    assert "miracle cure" in body["message"]
    assert body["fields"]["body"] == [body["message"]]
    assert not Thread.objects.filter(board=board).exists()
    assert not Post.objects.filter(author=member).exists()
    kept = member_client.get(f"/api/v1/boards/{board.slug}/draft")
    assert kept.status_code == 200
    assert kept.json()["body"] == draft["body"]


def test_a_blocked_word_refuses_a_reply_and_keeps_the_draft(member, member_client, thread):
    watch("miracle cure", BLOCK)
    text = "Have you tried the miracle cure?"
    saved = member_client.put(f"/api/v1/threads/{thread.pk}/draft", {"body": text}, format="json")
    assert saved.status_code == 200
    before = Post.objects.filter(thread=thread).count()

    response = member_client.post(posts_url(thread), {"body": text}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "watched_word"
    assert Post.objects.filter(thread=thread).count() == before
    thread.refresh_from_db()
    assert thread.reply_count == 0
    assert member_client.get(f"/api/v1/threads/{thread.pk}/draft").json()["body"] == text


def test_an_edit_that_adds_a_blocked_word_changes_nothing(member, member_client, thread):
    post = factories.make_reply(thread=thread, author=member, body="Heat packs help me.")
    watch("miracle cure", BLOCK)

    response = member_client.patch(
        f"/api/v1/posts/{post.pk}", {"body": "Heat packs, the miracle cure."}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "watched_word"
    post.refresh_from_db()
    assert post.body_source == "Heat packs help me."
    assert not post.revisions.exists()


def test_an_edit_that_adds_a_hold_word_sends_the_post_back_to_the_queue(
    member, member_client, thread, moderator
):
    post = factories.make_reply(thread=thread, author=member, body="Heat packs help me.")
    thread.refresh_from_db()
    replies_before = thread.reply_count
    watch("my clinic", HOLD)

    response = member_client.patch(
        f"/api/v1/posts/{post.pk}", {"body": "Heat packs help me. Ask my clinic."}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "pending"
    assert post.pk not in listed_ids(client_for(factories.UserFactory()), thread)
    thread.refresh_from_db()
    assert thread.reply_count == replies_before - 1
    queue = client_for(moderator).get("/api/v1/moderation/queue").json()["results"]
    assert [row["id"] for row in queue] == [post.pk]


@pytest.mark.parametrize(
    "text",
    [
        "MIRACLE CURE",
        "Miracle\n\n   cure",
        "".join(chr(ord(c) + 0xFEE0) for c in "miracle") + " cure",  # full-width (NFKC)
        "mira\u00adcle cu\u200bre",  # a soft hyphen and a zero-width space, unseen
        "the **miracle cure**, honestly",  # Markdown emphasis
        "miracle-cure",
        "(miracle cure)",
    ],
)
def test_blocking_sees_through_case_width_spacing_and_invisible_characters(text):
    watch("Miracle  Cure", BLOCK)

    with pytest.raises(ApiError) as refused:
        screening.screen(text=text)

    assert refused.value.code == "watched_word"
    assert refused.value.status_code == 422


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("I just want to end it.", True),
        ("END IT", True),
        ("bend items", False),
        ("a legend itself", False),
        ("the weekend it rained", False),
        ("ending it", False),
    ],
)
def test_phrases_match_whole_words_only(text, matches):
    watch("end it", CRISIS)

    assert screening.screen(text=text).urgent is matches


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("cheap pills here", True),
        ("CHEAP PILL", True),
        ("cheap pillsbury dough", False),
        ("dirtcheap pills", False),
    ],
)
def test_regular_expressions_ignore_case_and_stay_word_bounded(text, matches):
    watch(r"cheap\s+pills?", HOLD, is_regex=True)

    assert screening.screen(text=text).hold is matches


# --- require approval -------------------------------------------------------------------------


def test_a_held_word_sends_the_reply_to_the_queue(member, member_client, thread, moderator):
    watch("crypto", HOLD)
    other = factories.UserFactory()

    response = member_client.post(
        posts_url(thread), {"body": "Anyone tried paying the clinic in Crypto?"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PostState.PENDING
    assert body["notice"]
    assert body["crisis_resources"] is None
    assert body["id"] in listed_ids(member_client, thread)
    assert body["id"] not in listed_ids(client_for(other), thread)
    assert body["id"] not in listed_ids(client_for(), thread)
    assert client_for(other).get(f"/api/v1/posts/{body['id']}").status_code == 404
    thread.refresh_from_db()
    assert thread.reply_count == 0
    queued = Notification.objects.get(recipient=moderator, post_id=body["id"])
    assert queued.kind == Kind.QUEUE_WAITING
    assert not ModerationAction.objects.filter(post_id=body["id"]).exists()


def test_moderators_posts_are_not_held_by_watched_words(moderator, moderator_client, thread):
    watch("crypto", HOLD)

    response = moderator_client.post(
        posts_url(thread), {"body": "Please don't pay anyone in crypto."}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["state"] == PostState.PUBLISHED


# --- flag crisis ------------------------------------------------------------------------------


def test_a_crisis_word_marks_the_post_urgent_and_alerts_moderators(
    member, member_client, thread, moderator, settings
):
    watch("can't face tomorrow", CRISIS)

    response = member_client.post(
        posts_url(thread), {"body": "Honestly I can\u2019t face tomorrow."}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["crisis_resources"] == settings.MODERATION_CRISIS_RESOURCES
    post = Post.objects.get(pk=body["id"])
    assert post.is_urgent
    action = ModerationAction.objects.get(post=post)
    assert action.verb == Verb.MARK_URGENT
    assert action.actor is None
    assert action.data["reasons"] == ["Watched word “can't face tomorrow”: possible crisis"]
    alert = Notification.objects.get(recipient=moderator, post=post)
    assert alert.kind == Kind.URGENT_CRISIS


def test_a_blocked_word_in_a_crisis_post_holds_it_instead_of_turning_the_member_away(
    member, member_client, thread, moderator, settings
):
    watch("miracle cure", BLOCK)

    response = member_client.post(
        posts_url(thread),
        {"body": "No miracle cure worked and I want to die."},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PostState.PENDING
    assert body["crisis_resources"] == settings.MODERATION_CRISIS_RESOURCES
    assert Notification.objects.get(recipient=moderator, post_id=body["id"]).kind == (
        Kind.URGENT_CRISIS
    )


# --- saving a watched word ----------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["[unclosed", "(unclosed", "a{2,1}", "*stars"])
def test_an_invalid_regex_is_refused_on_save(pattern):
    form = word_form(pattern, BLOCK, is_regex=True)

    assert not form.is_valid()
    assert "not a valid regular expression" in form.errors["pattern"][0]
    assert len(form.errors["pattern"]) == 1


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)+$", r"(x+x+)+y"])
def test_a_regex_that_backtracks_catastrophically_is_refused_on_save(pattern):
    form = word_form(pattern, BLOCK, is_regex=True)

    assert not form.is_valid()
    assert "backtrack catastrophically" in form.errors["pattern"][0]
    assert len(form.errors["pattern"]) == 1


def test_a_regex_that_matches_every_post_is_refused_on_save():
    form = word_form(r"\d*", HOLD, is_regex=True)

    assert not form.is_valid()
    assert "every post" in form.errors["pattern"][0]
    assert len(form.errors["pattern"]) == 1


def test_the_same_text_as_a_phrase_is_taken_literally():
    watch("(a+)+$", BLOCK)

    with pytest.raises(ApiError):
        screening.screen(text="the text (a+)+$ itself")
    assert screening.screen(text="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!").hold is False


def test_a_slow_regex_saved_around_validation_holds_the_post_instead_of_hanging():
    # A bulk insert skips validation; the match is still time-bounded.
    WatchedWord.objects.bulk_create([WatchedWord(pattern=r"(a|aa)+$", is_regex=True, action=BLOCK)])
    started = time.monotonic()

    result = screening.screen(text="a" * 60 + "!")

    assert time.monotonic() - started < 2
    assert result.hold is True
    assert result.reasons == ["Watched word “(a|aa)+$” could not be checked in time"]


# --- caching ----------------------------------------------------------------------------------


def test_screening_makes_no_query_once_the_list_is_cached(django_assert_num_queries):
    watch("miracle cure", BLOCK)
    watch("kill myself slowly", CRISIS)
    screening.screen(text="First post loads the list.")

    with django_assert_num_queries(0):
        result = screening.screen(text="I am starting to kill myself slowly with work.")

    assert result.urgent is True


def test_a_new_watched_word_applies_to_the_very_next_post(member, member_client, thread):
    first = member_client.post(posts_url(thread), {"body": "Try the new spa."}, format="json")
    assert first.status_code == 201

    watch("new spa", BLOCK)
    second = member_client.post(posts_url(thread), {"body": "Try the new spa."}, format="json")

    assert second.status_code == 422
    assert second.json()["code"] == "watched_word"


def test_a_deleted_watched_word_stops_applying_at_once(member, member_client, thread):
    word = watch("new spa", BLOCK)
    assert member_client.post(
        posts_url(thread), {"body": "new spa"}, format="json"
    ).status_code == (422)

    word.delete()

    assert member_client.post(
        posts_url(thread), {"body": "new spa"}, format="json"
    ).status_code == (201)


def test_a_change_committed_by_another_process_reaches_this_one():
    screening.screen(text="loads the list")
    # Another process saved the word: only the shared version token tells us.
    WatchedWord.objects.bulk_create([WatchedWord(pattern="spam", action=BLOCK)])
    assert screening.screen(text="spam").hold is False

    screening.watched_words_changed()

    with pytest.raises(ApiError):
        screening.screen(text="spam")
