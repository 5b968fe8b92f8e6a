"""Crisis safety, as the member and the moderators live it: a post that may be about suicide
or self-harm is marked urgent, every moderator is alerted in the app and by email at once, the
author is shown helplines whatever happens to the post, and while it waits the post stays out
of public view and out of search (``MODERATION_CRISIS_VISIBILITY``).

The last test measures, with a real Celery worker and SMTP server, how long the moderators'
alert takes to arrive after the member posts (run with ``-s`` to see the number).
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import Board, Post, PostingPolicy, PostState, Thread
from community.moderation import screening
from community.moderation.models import ModerationAction, Verb
from community.notifications.kinds import Kind
from community.notifications.models import DeliveryState, EmailDelivery, Notification
from tests import factories
from tests.worker import wait_until

pytestmark = pytest.mark.django_db

URGENT_SUBJECT = "[Neck to Neck] Urgent: a post needs a moderator now"


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    """Members here post several times a minute; flood control has its own tests."""
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


def listed_ids(client: APIClient, thread: Thread) -> list[int]:
    response = client.get(posts_url(thread))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def listed_threads(client: APIClient, board: Board) -> list[int]:
    response = client.get(threads_url(board))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def board(db):
    return factories.BoardFactory()


@pytest.fixture
def thread(board):
    return factories.make_thread(board=board, author=factories.UserFactory())


# --- The built-in phrases -----------------------------------------------------------------------

CRISIS_TEXTS = [
    "I want to kill myself",
    "thinking about killing my self again",
    "I just want to END IT ALL",
    "I don't want to be here anymore",
    "I don\u2019t want to be here any more.",  # a typographic apostrophe
    "i dont want to be here anymore",
    "I do not want to be here anymore",
    "I do not want to be here any more",
    "self harm",
    "the self-harm urges are back",
    "selfharm",
    "I started self\u2011harming again",  # a non-breaking hyphen
    "I want to die",
    "i wanna die",
    "I feel suicidal tonight",
    "having suicidal thoughts",
    "I could take my own life",
    "there's no reason to live",
    "I keep hurting myself",
    "everyone would be better off without me",
    "I just want to *die*",  # Markdown emphasis
    "I want to d\u200bie",  # a zero-width space
    "life isn\u2019t worth living like this",
    "I can't go on like this",
    "nothing left to live for",
]

NOT_CRISIS_TEXTS = [
    "Bend items slowly when your neck is stiff.",
    "This neck pain is killing me today.",
    "I don't want to be here at the clinic all day.",
    "My physio said the tide is turning.",
    "The studied approach to botox dosing.",
    "I can't take this heat anymore.",
    "The Selfharmony album helps me relax.",
    "Skill myself up on stretches.",
]


@pytest.mark.parametrize("text", CRISIS_TEXTS)
def test_common_phrasings_of_a_crisis_are_urgent(text):
    result = screening.screen(text=text)

    assert result.urgent is True
    assert result.reasons[0].startswith("Crisis phrase")


@pytest.mark.parametrize("text", NOT_CRISIS_TEXTS)
def test_everyday_talk_of_pain_and_words_inside_other_words_are_not(text):
    assert screening.screen(text=text).urgent is False


# --- Alerting moderators ------------------------------------------------------------------------


def test_a_crisis_reply_alerts_every_moderator_at_once_and_shows_the_author_helplines(
    member,
    member_client,
    moderator,
    admin_user,
    thread,
    settings,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # Other email waits this long to be batched, and everyone's daily cap is spent: not this.
    settings.EMAIL_COALESCE_SECONDS = 3600
    settings.EMAIL_DAILY_CAP = 0
    suspended = factories.ModeratorFactory(suspended_until=timezone.now() + timedelta(days=3))
    factories.ModeratorFactory(is_active=False)
    text = "I don't want to be here anymore. Nothing helps the spasms."

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(posts_url(thread), {"body": text}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PostState.PUBLISHED
    assert body["crisis_resources"] == settings.MODERATION_CRISIS_RESOURCES
    post = Post.objects.get(pk=body["id"])
    assert post.is_urgent
    alerts = Notification.objects.filter(kind=Kind.URGENT_CRISIS, post=post)
    assert {n.recipient_id for n in alerts} == {moderator.pk, admin_user.pk}
    assert {n.actor_id for n in alerts} == {member.pk}
    [action] = ModerationAction.objects.filter(post=post)
    assert (action.verb, action.actor, action.thread_id) == (Verb.MARK_URGENT, None, thread.pk)
    assert action.data == {"reasons": ["Crisis phrase “don't want to be here anymore”"]}
    alerted = [m for m in mailoutbox if m.subject == URGENT_SUBJECT]
    assert sorted(m.to[0] for m in alerted) == sorted([moderator.email, admin_user.email])
    assert suspended.email not in [m.to[0] for m in mailoutbox]
    # Discreet like every email: the member's words stay on the site.
    assert all("spasms" not in m.body for m in alerted)
    rows = EmailDelivery.objects.filter(kind=Kind.URGENT_CRISIS)
    assert {(r.urgent, r.state) for r in rows} == {(True, DeliveryState.SENT)}


def test_only_the_author_is_shown_the_helplines(member, member_client, moderator, thread):
    response = member_client.post(posts_url(thread), {"body": "I feel suicidal."}, format="json")
    post_id = response.json()["id"]

    def resources(client: APIClient):
        found = client.get(f"/api/v1/posts/{post_id}")
        assert found.status_code == 200
        return found.json()["crisis_resources"]

    assert resources(member_client) is not None
    assert resources(client_for(factories.UserFactory())) is None
    assert resources(client_for(moderator)) is None
    in_list = {p["id"]: p for p in member_client.get(posts_url(thread)).json()["results"]}
    assert in_list[post_id]["crisis_resources"] is not None
    assert in_list[thread.posts.get(position=1).pk]["crisis_resources"] is None


def test_a_held_crisis_post_still_shows_its_author_the_helplines(
    new_member, new_member_client, moderator, settings
):
    board = factories.BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = factories.make_thread(board=board, author=factories.UserFactory())

    response = new_member_client.post(
        posts_url(thread), {"body": "Some days I want to die."}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PostState.PENDING
    assert body["notice"]
    assert body["crisis_resources"] == settings.MODERATION_CRISIS_RESOURCES
    # One alert, the urgent one: not also "posts are waiting".
    kinds = list(Notification.objects.filter(recipient=moderator).values_list("kind", flat=True))
    assert kinds == [Kind.URGENT_CRISIS]


def test_a_thread_started_in_crisis_shows_the_helplines_with_its_opening_post(
    member_client, moderator, board, settings
):
    response = member_client.post(
        threads_url(board),
        {"title": "I want to end it all", "body": "The pain never stops."},
        format="json",
    )

    assert response.status_code == 201, response.content
    opening = response.json()["opening_post"]
    assert opening["crisis_resources"] == settings.MODERATION_CRISIS_RESOURCES
    assert Notification.objects.get(recipient=moderator).kind == Kind.URGENT_CRISIS


def test_an_edit_that_adds_a_crisis_phrase_marks_the_post_urgent(
    member, member_client, moderator, thread, settings
):
    post = factories.make_reply(thread=thread, author=member, body="A rough week.")
    assert not Notification.objects.filter(recipient=moderator).exists()

    response = member_client.patch(
        f"/api/v1/posts/{post.pk}",
        {"body": "A rough week. Honestly I keep hurting myself."},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["crisis_resources"] == settings.MODERATION_CRISIS_RESOURCES
    post.refresh_from_db()
    assert post.is_urgent
    assert ModerationAction.objects.get(post=post).verb == Verb.MARK_URGENT
    assert Notification.objects.get(recipient=moderator, post=post).kind == Kind.URGENT_CRISIS


def test_a_post_without_a_crisis_carries_no_helplines_and_alerts_no_one(
    member_client, moderator, thread
):
    response = member_client.post(posts_url(thread), {"body": "Ice helps me."}, format="json")

    assert response.json()["crisis_resources"] is None
    assert not Notification.objects.filter(recipient=moderator).exists()
    assert not ModerationAction.objects.exists()


# --- Who sees an urgent post while it waits --------------------------------------------------


@pytest.fixture
def urgent_reply(thread):
    author = factories.UserFactory()
    return factories.make_reply(thread=thread, author=author, body="I want to kill myself.")


def test_visitors_do_not_see_an_urgent_reply_members_do(urgent_reply, thread, moderator):
    other = client_for(factories.UserFactory())

    assert urgent_reply.pk not in listed_ids(client_for(), thread)
    assert client_for().get(f"/api/v1/posts/{urgent_reply.pk}").status_code == 404
    # The thread itself stays public; only the urgent post is out of view.
    assert client_for().get(f"/api/v1/threads/{thread.pk}").status_code == 200
    assert urgent_reply.pk in listed_ids(other, thread)
    assert urgent_reply.pk in listed_ids(client_for(moderator), thread)


def test_a_thread_opened_in_crisis_is_hidden_from_visitors(board, moderator):
    author = factories.UserFactory()
    thread = factories.make_thread(board=board, author=author, body="I don't want to be alive.")
    quiet = factories.make_thread(board=board, author=author, body="Heat or ice?")
    reply = factories.make_reply(thread=thread, author=factories.UserFactory())
    visitor = client_for()

    assert listed_threads(visitor, board) == [quiet.pk]
    assert visitor.get(f"/api/v1/threads/{thread.pk}").status_code == 404
    assert visitor.get(posts_url(thread)).status_code == 404
    assert visitor.get(f"/api/v1/posts/{reply.pk}").status_code == 404
    member = client_for(factories.UserFactory())
    assert set(listed_threads(member, board)) == {thread.pk, quiet.pk}
    assert set(listed_threads(client_for(moderator), board)) == {thread.pk, quiet.pk}


@pytest.mark.parametrize(
    ("visibility", "visitor", "member", "author", "moderator"),
    [
        ("everyone", True, True, True, True),
        ("members", False, True, True, True),
        ("moderators", False, False, True, True),
    ],
)
def test_the_visibility_setting_decides_who_sees_an_urgent_post(
    visibility, visitor, member, author, moderator, settings, board
):
    settings.MODERATION_CRISIS_VISIBILITY = visibility
    writer = factories.UserFactory()
    opened = factories.make_thread(board=board, author=writer, body="I feel suicidal.")
    other = factories.make_thread(board=board, author=factories.UserFactory())
    reply = factories.make_reply(thread=other, author=writer, body="Me too, I want to die.")
    viewers = {
        "visitor": (client_for(), visitor),
        "member": (client_for(factories.UserFactory()), member),
        "author": (client_for(writer), author),
        "moderator": (client_for(factories.ModeratorFactory()), moderator),
    }

    for name, (client, sees) in viewers.items():
        assert (reply.pk in listed_ids(client, other)) is sees, name
        assert (opened.pk in listed_threads(client, board)) is sees, name
        detail = client.get(f"/api/v1/threads/{opened.pk}").status_code
        assert detail == (200 if sees else 404), name


# --- Search -----------------------------------------------------------------------------------


def search_ids(client: APIClient, q: str) -> set[int]:
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200, response.content
    return {row["post"] for row in response.json()["results"]}


@pytest.mark.usefixtures("search_columns")
def test_search_leaves_urgent_posts_out_for_everyone_but_moderators(board, moderator):
    writer = factories.UserFactory()
    thread = factories.make_thread(board=board, author=factories.UserFactory())
    urgent = factories.make_reply(
        thread=thread, author=writer, body="Botulinum stopped working and I want to die."
    )
    calm = factories.make_reply(
        thread=thread, author=factories.UserFactory(), body="Botulinum works for me."
    )
    opened = factories.make_thread(
        board=board, author=writer, title="Botulinum", body="No reason to live."
    )
    in_crisis_thread = factories.make_reply(
        thread=opened, author=factories.UserFactory(), body="Botulinum took weeks for me."
    )
    everything = {urgent.pk, calm.pk, opened.posts.get(position=1).pk, in_crisis_thread.pk}

    assert search_ids(client_for(moderator), "botulinum") == everything
    assert search_ids(client_for(factories.UserFactory()), "botulinum") == {
        calm.pk,
        in_crisis_thread.pk,
    }
    # Not even its author finds it while moderators look.
    assert search_ids(client_for(writer), "botulinum") == {calm.pk, in_crisis_thread.pk}
    # Visitors do not see the thread opened in crisis at all.
    assert search_ids(client_for(), "botulinum") == {calm.pk}


# --- The alert, end to end -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_moderators_alert_reaches_the_mail_server_within_five_seconds(
    start_worker,
    smtp_server,
    settings,
):
    # Batched email would wait an hour: the alert must not.
    settings.EMAIL_COALESCE_SECONDS = 3600
    moderators = [factories.ModeratorFactory(), factories.AdminFactory()]
    board = factories.BoardFactory()
    thread = factories.make_thread(board=board, author=factories.UserFactory())
    client = client_for(factories.UserFactory())
    arrived: dict[str, float] = {}

    def note_arrival(message):
        if message["Subject"] == URGENT_SUBJECT:
            arrived.setdefault(message["To"], time.monotonic())

    smtp_server.on_message = note_arrival
    start_worker(beat=False)

    started = time.monotonic()
    response = client.post(
        posts_url(thread), {"body": "I just want to end it all tonight."}, format="json"
    )
    answered = time.monotonic()
    assert response.status_code == 201, response.content
    wanted = {m.email for m in moderators}
    wait_until(lambda: wanted <= set(arrived), timeout=30, what="both moderators' alerts")

    seconds = max(arrived.values()) - started
    print(
        f"crisis post to moderators' alert at the SMTP server: {seconds:.2f} s "
        f"(the request took {answered - started:.2f} s)"
    )
    assert seconds < 5
    assert EmailDelivery.objects.filter(kind=Kind.URGENT_CRISIS, urgent=True).count() == 2
