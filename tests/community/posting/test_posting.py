"""Starting threads, replying, editing, withdrawing, mentions, posting policies and retries."""

import re
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from community.forum.markdown import render_markdown
from community.forum.models import (
    Board,
    IdempotencyRecord,
    Mention,
    Post,
    PostingPolicy,
    PostRevision,
    PostState,
    Thread,
)
from community.posting import services as posting
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


HELD_NOTICE = (
    "Thanks for posting. A moderator will look at it shortly; until then only you can see it."
)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def threads_url(board: Board) -> str:
    return f"/api/v1/boards/{board.slug}/threads"


def posts_url(thread: Thread) -> str:
    return f"/api/v1/threads/{thread.pk}/posts"


def post_url(post_id: int) -> str:
    return f"/api/v1/posts/{post_id}"


def start_thread(client: APIClient, board: Board, **payload):
    data = {"title": "Tremor worse in the evening", "body": "Does anyone else notice this?"}
    data.update(payload)
    return client.post(threads_url(board), data, format="json")


def reply(client: APIClient, thread: Thread, body: str = "Yes, every evening.", **payload):
    return client.post(posts_url(thread), {"body": body, **payload}, format="json")


def listed_post_ids(client: APIClient, thread: Thread) -> list[int]:
    response = client.get(posts_url(thread))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


# --- Starting a thread and replying -----------------------------------------------------------


def test_start_thread_is_201_and_counted_on_the_board(member, member_client):
    board = BoardFactory()

    response = start_thread(member_client, board)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Tremor worse in the evening"
    assert body["state"] == PostState.PUBLISHED
    assert body["reply_count"] == 0
    assert body["opening_post"]["position"] == 1
    assert body["opening_post"]["state"] == PostState.PUBLISHED
    assert body["opening_post"]["notice"] is None
    thread = Thread.objects.get(pk=body["id"])
    assert thread.board_id == board.pk
    assert thread.last_poster_id == member.pk
    assert thread.reply_count == 0
    board.refresh_from_db()
    assert board.thread_count == 1
    assert board.post_count == 1
    assert board.last_post_at == thread.last_post_at


def test_reply_is_201_and_updates_thread_and_board_counters(member):
    board = BoardFactory()
    thread = make_thread(board=board, author=member)
    replier = factories.UserFactory()

    response = reply(client_for(replier), thread)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["position"] == 2
    assert body["state"] == PostState.PUBLISHED
    assert body["notice"] is None
    post = Post.objects.get(pk=body["id"])
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.last_post_at == post.created_at
    assert thread.last_poster_id == replier.pk
    board.refresh_from_db()
    assert board.thread_count == 1
    assert board.post_count == 2
    assert board.last_post_at == post.created_at
    detail = client_for(member).get(f"/api/v1/threads/{thread.pk}").json()
    assert detail["reply_count"] == 1
    assert detail["last_poster"]["username"] == replier.username


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_is_rendered_once_when_written(member, monkeypatch):
    thread = make_thread(board=BoardFactory(), author=member)
    calls: list[str] = []

    def counting_render(source: str) -> str:
        calls.append(source)
        return render_markdown(source)

    monkeypatch.setattr(posting, "render_markdown", counting_render)
    replier = client_for(factories.UserFactory())

    response = reply(replier, thread, body="**Ten** weeks")

    assert response.status_code == 201, response.content
    assert calls == ["**Ten** weeks"]
    post_id = response.json()["id"]
    reader = client_for(factories.UserFactory())
    assert reader.get(post_url(post_id)).status_code == 200
    assert reader.get(posts_url(thread)).status_code == 200
    assert reader.get(f"/api/v1/threads/{thread.pk}").status_code == 200
    assert calls == ["**Ten** weeks"]
    stored = Post.objects.get(pk=post_id)
    assert stored.body_html == "<p><strong>Ten</strong> weeks</p>\n"
    assert response.json()["body_html"] == stored.body_html


@pytest.mark.parametrize(
    ("source", "escaped"),
    [
        ("<script>alert(1)</script> hello", "&lt;script&gt;"),
        ('<img src="x" onerror="alert(1)">', "&lt;img"),
        ("<b>raw</b> and **bold**", "&lt;b&gt;raw&lt;/b&gt;"),
        ('<a href="https://example.org">raw link</a>', "&lt;a href"),
    ],
    ids=["script", "img-onerror", "bold-tag", "anchor-tag"],
)
def test_raw_html_is_shown_as_text_never_as_markup(member, source, escaped):
    thread = make_thread(board=BoardFactory(), author=member)

    response = reply(client_for(factories.UserFactory()), thread, body=source)

    assert response.status_code == 201, response.content
    html = response.json()["body_html"]
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert not re.search(r"<[a-z]+[^>]*\son\w+=", html)
    assert escaped in html
    assert Post.objects.get(pk=response.json()["id"]).body_html == html


@pytest.mark.parametrize(
    "source",
    [
        "[click me](javascript:alert(1))",
        "[click me](JaVaScRiPt:alert(1))",
        "[click me](  javascript:alert(document.cookie) )",
        "<javascript:alert(1)>",
        "![picture](javascript:alert(1))",
        "[click me](data:text/html,<script>alert(1)</script>)",
        "[click me][ref]\n\n[ref]: javascript:alert(1)",
    ],
    ids=["plain", "mixed-case", "spaced", "autolink", "image", "data-url", "reference"],
)
def test_javascript_and_other_unsafe_links_are_dropped(member, source):
    thread = make_thread(board=BoardFactory(), author=member)

    response = reply(client_for(factories.UserFactory()), thread, body=source)

    assert response.status_code == 201, response.content
    html = response.json()["body_html"]
    for href in hrefs(html):
        assert not href.lower().lstrip().startswith(("javascript:", "data:")), html
    assert "<script" not in html


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[the clinic](https://example.org/clinic)", "https://example.org/clinic"),
        ("read https://example.org/guide today", "https://example.org/guide"),
        ("<https://example.org/auto>", "https://example.org/auto"),
        ("[write to us](mailto:help@example.org)", "mailto:help@example.org"),
    ],
    ids=["inline", "bare", "autolink", "mailto"],
)
def test_links_carry_nofollow_ugc_noopener(member, source, href):
    thread = make_thread(board=BoardFactory(), author=member)

    response = reply(client_for(factories.UserFactory()), thread, body=source)

    assert response.status_code == 201, response.content
    html = response.json()["body_html"]
    anchors = re.findall(r"<a [^>]*>", html)
    assert len(anchors) == 1, html
    assert f'href="{href}"' in anchors[0]
    assert 'rel="nofollow ugc noopener"' in anchors[0]


def test_images_become_links_not_embeds(member):
    thread = make_thread(board=BoardFactory(), author=member)

    response = reply(
        client_for(factories.UserFactory()),
        thread,
        body="My brace: ![neck brace](https://example.org/brace.png)",
    )

    assert response.status_code == 201, response.content
    html = response.json()["body_html"]
    assert "<img" not in html
    assert "src=" not in html
    assert (
        '<a href="https://example.org/brace.png" rel="nofollow ugc noopener">neck brace</a>'
    ) in html


# --- Editing ---------------------------------------------------------------------------------


def test_edit_keeps_a_revision_and_members_see_the_post_as_edited(member):
    thread = make_thread(board=BoardFactory(), author=member)
    post = make_reply(thread=thread, author=member, body="Ten weeks between shots.")
    author = client_for(member)

    response = author.patch(post_url(post.pk), {"body": "Twelve weeks between shots."}, "json")

    assert response.status_code == 200, response.content
    assert response.json()["body_html"] == "<p>Twelve weeks between shots.</p>\n"
    assert response.json()["is_edited"] is True
    revisions = list(PostRevision.objects.filter(post=post))
    assert len(revisions) == 1
    assert revisions[0].body_source == "Ten weeks between shots."
    assert revisions[0].edited_by_id == member.pk
    seen = client_for(factories.UserFactory()).get(post_url(post.pk)).json()
    assert seen["is_edited"] is True
    assert seen["edited_at"] is not None
    assert seen["body_html"] == "<p>Twelve weeks between shots.</p>\n"


def test_moderators_read_the_revisions(member, moderator_client):
    thread = make_thread(board=BoardFactory(), author=member)
    post = make_reply(thread=thread, author=member, body="First words.")
    author = client_for(member)
    assert author.patch(post_url(post.pk), {"body": "Second words."}, "json").status_code == 200
    assert author.patch(post_url(post.pk), {"body": "Third words."}, "json").status_code == 200

    response = moderator_client.get(f"{post_url(post.pk)}/revisions")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["body_source"] for item in body] == ["Second words.", "First words."]
    assert {item["edited_by"] for item in body} == {member.username}


@pytest.mark.parametrize("viewer", ["anonymous", "author", "other_member"])
def test_revisions_are_404_for_everyone_but_moderators(member, viewer):
    thread = make_thread(board=BoardFactory(), author=member)
    post = make_reply(thread=thread, author=member, body="First words.")
    assert (
        client_for(member).patch(post_url(post.pk), {"body": "Edited."}, "json").status_code == 200
    )
    client = {
        "anonymous": APIClient(),
        "author": client_for(member),
        "other_member": client_for(factories.UserFactory()),
    }[viewer]

    response = client.get(f"{post_url(post.pk)}/revisions")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_sending_the_same_text_again_writes_no_revision(member):
    thread = make_thread(board=BoardFactory(), author=member)
    post = make_reply(thread=thread, author=member, body="Unchanged words.")

    response = client_for(member).patch(post_url(post.pk), {"body": "Unchanged words."}, "json")

    assert response.status_code == 200, response.content
    assert response.json()["is_edited"] is False
    assert not PostRevision.objects.filter(post=post).exists()
    post.refresh_from_db()
    assert post.edited_at is None


def test_only_the_author_can_edit(member):
    thread = make_thread(board=BoardFactory(), author=member)
    post = make_reply(thread=thread, author=member, body="Mine.")

    response = client_for(factories.UserFactory()).patch(
        post_url(post.pk), {"body": "Not mine."}, "json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    post.refresh_from_db()
    assert post.body_source == "Mine."
    assert not PostRevision.objects.filter(post=post).exists()


# --- Withdrawing -----------------------------------------------------------------------------


def test_withdrawn_post_shows_no_text_to_others_but_moderators_keep_it(member, moderator_client):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    post = make_reply(thread=thread, author=member, body="I regret saying this.")

    response = client_for(member).post(f"{post_url(post.pk)}/withdraw")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == PostState.WITHDRAWN
    post.refresh_from_db()
    assert post.state == PostState.WITHDRAWN
    other = client_for(factories.UserFactory())
    seen = other.get(post_url(post.pk)).json()
    assert seen["state"] == PostState.WITHDRAWN
    assert seen["body_html"] is None
    assert seen["body_source"] is None
    listed = {item["id"]: item for item in other.get(posts_url(thread)).json()["results"]}
    assert listed[post.pk]["body_html"] is None
    anonymous = APIClient().get(post_url(post.pk)).json()
    assert anonymous["body_html"] is None
    assert anonymous["body_source"] is None
    moderated = moderator_client.get(post_url(post.pk)).json()
    assert moderated["state"] == PostState.WITHDRAWN
    assert moderated["body_html"] == "<p>I regret saying this.</p>\n"
    assert moderated["body_source"] == "I regret saying this."


def test_withdraw_drops_the_counters(member):
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    post = make_reply(thread=thread, author=member)
    thread.refresh_from_db()
    board.refresh_from_db()
    assert (thread.reply_count, board.post_count) == (1, 2)

    response = client_for(member).post(f"{post_url(post.pk)}/withdraw")

    assert response.status_code == 200, response.content
    thread.refresh_from_db()
    board.refresh_from_db()
    assert thread.reply_count == 0
    assert board.post_count == 1
    assert board.thread_count == 1


def test_withdrawing_twice_is_a_no_op(member):
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    post = make_reply(thread=thread, author=member)
    client = client_for(member)
    assert client.post(f"{post_url(post.pk)}/withdraw").status_code == 200

    response = client.post(f"{post_url(post.pk)}/withdraw")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == PostState.WITHDRAWN
    thread.refresh_from_db()
    board.refresh_from_db()
    assert thread.reply_count == 1
    assert board.post_count == 2


def test_only_the_author_can_withdraw(member):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    post = make_reply(thread=thread, author=member)

    response = client_for(factories.UserFactory()).post(f"{post_url(post.pk)}/withdraw")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED


# --- Mentions --------------------------------------------------------------------------------


def test_mention_of_a_known_member_is_stored(member):
    dana = factories.UserFactory(username="dana_k")
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())

    response = reply(client_for(member), thread, body="Thanks @Dana_K, that helped.")

    assert response.status_code == 201, response.content
    mentions = list(Mention.objects.filter(post_id=response.json()["id"]))
    assert [m.user_id for m in mentions] == [dana.pk]
    assert "@Dana_K" in response.json()["body_html"]


def test_mention_of_an_unknown_name_stays_text(member):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())

    response = reply(client_for(member), thread, body="Is @nobody_here around?")

    assert response.status_code == 201, response.content
    assert not Mention.objects.exists()
    assert response.json()["body_html"] == "<p>Is @nobody_here around?</p>\n"


@pytest.mark.parametrize(
    "source",
    [
        "Type `@dana_k` to mention someone.",
        "Example:\n\n```\n@dana_k hello\n```\n",
        "Example:\n\n    @dana_k hello\n",
    ],
    ids=["inline-code", "fenced", "indented"],
)
def test_mentions_inside_code_are_ignored(member, source):
    factories.UserFactory(username="dana_k")
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())

    response = reply(client_for(member), thread, body=source)

    assert response.status_code == 201, response.content
    assert not Mention.objects.exists()


# --- Posting policies ------------------------------------------------------------------------


def test_premoderate_new_holds_a_new_members_reply(new_member):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    author = client_for(new_member)

    response = reply(author, thread, body="My first post here.")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PostState.PENDING
    assert body["notice"] == HELD_NOTICE
    other = client_for(factories.UserFactory())
    assert body["id"] not in listed_post_ids(other, thread)
    assert other.get(post_url(body["id"])).status_code == 404
    assert body["id"] not in listed_post_ids(APIClient(), thread)
    assert body["id"] in listed_post_ids(author, thread)
    thread.refresh_from_db()
    board.refresh_from_db()
    assert thread.reply_count == 0
    assert board.post_count == 1


def test_premoderate_new_holds_a_new_members_thread(new_member):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)

    response = start_thread(client_for(new_member), board)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PostState.PENDING
    assert body["opening_post"]["state"] == PostState.PENDING
    assert body["opening_post"]["notice"] == HELD_NOTICE
    other = client_for(factories.UserFactory())
    assert other.get(f"/api/v1/threads/{body['id']}").status_code == 404
    listed = other.get(threads_url(board)).json()["results"]
    assert body["id"] not in [item["id"] for item in listed]
    board.refresh_from_db()
    assert (board.thread_count, board.post_count) == (0, 0)


def test_premoderate_new_publishes_an_established_members_post(member, time_machine):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    client = client_for(member)

    started = start_thread(client, board)
    thread = Thread.objects.get(pk=started.json()["id"])
    factories.pause_between_posts(time_machine)
    replied = reply(client, thread)

    assert started.status_code == 201, started.content
    assert started.json()["state"] == PostState.PUBLISHED
    assert started.json()["opening_post"]["notice"] is None
    assert replied.status_code == 201, replied.content
    assert replied.json()["state"] == PostState.PUBLISHED
    assert replied.json()["notice"] is None
    assert replied.json()["id"] in listed_post_ids(client_for(factories.UserFactory()), thread)


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (factories.NewMemberFactory, PostState.PENDING),
        (factories.UserFactory, PostState.PENDING),
        (factories.ModeratorFactory, PostState.PUBLISHED),
        (factories.AdminFactory, PostState.PUBLISHED),
    ],
    ids=["new-member", "established-member", "moderator", "admin"],
)
def test_premoderate_all_holds_everyone_but_moderators(factory, expected, time_machine):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    thread = make_thread(board=board, author=factories.ModeratorFactory())
    client = client_for(factory())

    replied = reply(client, thread)
    factories.pause_between_posts(time_machine)
    started = start_thread(client, board)

    assert replied.status_code == 201, replied.content
    assert replied.json()["state"] == expected
    assert (replied.json()["notice"] == HELD_NOTICE) is (expected == PostState.PENDING)
    assert started.status_code == 201, started.content
    assert started.json()["state"] == expected
    assert started.json()["opening_post"]["state"] == expected


# --- Idempotency-Key -------------------------------------------------------------------------


def test_same_key_twice_replays_the_thread_and_creates_one(member_client):
    board = BoardFactory()
    headers = {"Idempotency-Key": "thread-key-0001"}
    payload = {"title": "Neck pain at night", "body": "What pillow do you use?"}

    first = member_client.post(threads_url(board), payload, format="json", headers=headers)
    second = member_client.post(threads_url(board), payload, format="json", headers=headers)

    assert first.status_code == 201, first.content
    assert second.status_code == first.status_code
    assert second.json() == first.json()
    assert Thread.objects.filter(board=board).count() == 1
    assert Post.objects.filter(thread__board=board).count() == 1
    board.refresh_from_db()
    assert board.thread_count == 1


def test_same_key_twice_replays_the_reply_and_creates_one(member):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    client = client_for(member)
    headers = {"Idempotency-Key": "reply-key-0001"}

    first = client.post(posts_url(thread), {"body": "Same here."}, format="json", headers=headers)
    second = client.post(posts_url(thread), {"body": "Same here."}, format="json", headers=headers)

    assert first.status_code == 201, first.content
    assert second.status_code == 201
    assert second.json() == first.json()
    assert Post.objects.filter(thread=thread).count() == 2
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_a_different_key_creates_a_second_post(member, time_machine):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    client = client_for(member)

    first = client.post(
        posts_url(thread),
        {"body": "Same here."},
        format="json",
        headers={"Idempotency-Key": "k-one-0001"},
    )
    factories.pause_between_posts(time_machine)
    second = client.post(
        posts_url(thread),
        {"body": "Same here."},
        format="json",
        headers={"Idempotency-Key": "k-two-0002"},
    )

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert first.json()["id"] != second.json()["id"]
    assert Post.objects.filter(thread=thread).count() == 3


def test_a_key_reused_on_another_thread_is_422(member):
    board = BoardFactory()
    starter = factories.UserFactory()
    first_thread = make_thread(board=board, author=starter)
    second_thread = make_thread(board=board, author=starter)
    client = client_for(member)
    headers = {"Idempotency-Key": "shared-key-0001"}
    assert (
        client.post(posts_url(first_thread), {"body": "Hi"}, format="json", headers=headers)
    ).status_code == 201

    response = client.post(posts_url(second_thread), {"body": "Hi"}, format="json", headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Post.objects.filter(thread=second_thread).count() == 1


@pytest.mark.parametrize("target", ["thread", "reply"])
def test_the_same_key_with_other_words_is_422_and_keeps_the_draft(member, time_machine, target):
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    client = client_for(member)
    headers = {"Idempotency-Key": "same-key-other-words"}
    if target == "thread":
        url, draft_url = threads_url(board), f"/api/v1/boards/{board.slug}/draft"
        first_payload = {"title": "Pillows", "body": "What pillow do you use?"}
        second_payload = {"title": "Heat pads", "body": "Does heat help anyone else?"}
    else:
        url, draft_url = posts_url(thread), f"/api/v1/threads/{thread.pk}/draft"
        first_payload = {"body": "Same here."}
        second_payload = {"body": "Also: my physio suggested heat."}
    first = client.post(url, first_payload, format="json", headers=headers)
    assert first.status_code == 201, first.content
    factories.pause_between_posts(time_machine)
    assert client.put(draft_url, second_payload, "json").status_code == 200
    posts_before = Post.objects.count()

    reused = client.post(url, second_payload, format="json", headers=headers)

    assert reused.status_code == 422, reused.content
    body = reused.json()
    assert body["code"] == "idempotency_key_reused"
    assert body["existing"] == {"id": first.json()["id"]}
    assert "new Idempotency-Key" in body["message"]
    assert "draft is kept" in body["message"]
    assert Post.objects.count() == posts_before
    kept = client.get(draft_url)
    assert kept.status_code == 200
    assert kept.json()["body"] == second_payload["body"]


def test_a_retry_with_the_same_words_spaced_otherwise_replays(member):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    client = client_for(member)
    headers = {"Idempotency-Key": "respaced-key-0001"}
    url = posts_url(thread)

    first = client.generic(
        "POST",
        url,
        '{"body": "Same here.", "is_anonymous": false}',
        "application/json",
        headers=headers,
    )
    again = client.generic(
        "POST",
        url,
        '{"is_anonymous":false,"body":"Same here."}',
        "application/json",
        headers=headers,
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Post.objects.filter(thread=thread).count() == 2


@pytest.mark.parametrize(
    "key",
    ["short", "has spaces in it", "x" * 101, "semi;colon;key", "ключ-ключ-ключ"],
    ids=["too-short", "spaces", "too-long", "punctuation", "non-ascii"],
)
def test_an_invalid_key_is_400(member, key):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    client = client_for(member)

    response = client.post(
        posts_url(thread), {"body": "Hi"}, format="json", headers={"Idempotency-Key": key}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert Post.objects.filter(thread=thread).count() == 1
    assert not IdempotencyRecord.objects.exists()


def test_a_failed_create_can_be_retried_with_the_same_key(member_client):
    board = BoardFactory(allows_anonymous=False)
    headers = {"Idempotency-Key": "retry-key-0001"}
    payload = {"title": "Anonymous question", "body": "Is this normal?"}

    refused = member_client.post(
        threads_url(board), {**payload, "is_anonymous": True}, format="json", headers=headers
    )
    retried = member_client.post(threads_url(board), payload, format="json", headers=headers)

    assert refused.status_code == 422
    assert refused.json()["fields"]["is_anonymous"]
    assert retried.status_code == 201, retried.content
    assert Thread.objects.filter(board=board).count() == 1


# --- Concurrent replies ----------------------------------------------------------------------

WORKERS = 8
REPLIES_EACH = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_get_unique_contiguous_positions(settings):
    settings.MODERATION_FLOOD_SECONDS = 0  # each member replies back to back on purpose
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    authors = [factories.UserFactory() for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def worker(author) -> None:
        try:
            start.wait(timeout=30)
            for n in range(REPLIES_EACH):
                posting.post_create(
                    author=author, thread_id=thread.pk, body=f"Reply {n} from {author.username}"
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(author,)) for author in authors]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)

    assert not any(t.is_alive() for t in workers)
    assert errors == []
    total = 1 + WORKERS * REPLIES_EACH
    positions = list(
        Post.objects.filter(thread=thread).order_by("position").values_list("position", flat=True)
    )
    assert positions == list(range(1, total + 1))
    assert len(set(positions)) == total
    thread.refresh_from_db()
    assert thread.reply_count == WORKERS * REPLIES_EACH
    assert thread.last_position == total
    assert thread.last_published_position == total
    board.refresh_from_db()
    assert board.post_count == total
    assert board.thread_count == 1
