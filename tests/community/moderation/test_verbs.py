"""Moderator verbs as services: permission, idempotent no-ops, the audit log, concurrency and
automatic trust."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TrustLevel
from community.forum.models import Board, Post, PostingPolicy, PostState, Thread
from community.moderation import services
from community.moderation.models import AppendOnlyError, ModerationAction, Verb
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from community.posting import services as posting
from config.api.errors import ApiError
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    """These tests post several times a second; flood control has its own tests."""
    settings.MODERATION_FLOOD_SECONDS = 0


def writes_in(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def held_reply(*, board: Board | None = None, author=None) -> Post:
    """A reply waiting for approval in a published thread of a board that holds every post."""
    board = board or BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    thread = make_thread(board=board, author=factories.UserFactory(), state=PostState.PUBLISHED)
    post = posting.post_create(
        author=author or factories.UserFactory(), thread_id=thread.pk, body="Is this normal?"
    )
    assert post.state == PostState.PENDING  # held by the board's policy, as members' posts are
    return post


def counts(thread: Thread) -> tuple[int, int]:
    """The thread's published replies and its board's published posts, as stored."""
    thread = Thread.objects.select_related("board").get(pk=thread.pk)
    return thread.reply_count, thread.board.post_count


def actions(verb: str) -> int:
    return ModerationAction.objects.filter(verb=verb).count()


# --- permission ----------------------------------------------------------------------------


def test_a_member_cannot_use_a_verb_and_nothing_changes(member):
    post = held_reply()

    with pytest.raises(Http404):
        services.post_approve(moderator=member, post_id=post.pk)

    post.refresh_from_db()
    assert post.state == PostState.PENDING
    assert not ModerationAction.objects.exists()


def test_a_suspended_moderator_is_refused_as_suspended():
    moderator = factories.ModeratorFactory(suspended_until=timezone.now() + timedelta(days=1))
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())

    with pytest.raises(ApiError) as refused:
        services.thread_lock(moderator=moderator, thread_id=thread.pk)

    assert refused.value.code == "suspended"
    assert refused.value.status_code == 403
    thread.refresh_from_db()
    assert thread.is_locked is False


# --- idempotent no-ops -------------------------------------------------------------------


def test_approving_twice_writes_one_action_and_the_second_call_writes_nothing(moderator):
    post = held_reply()
    thread = Thread.objects.get(pk=post.thread_id)

    first = services.post_approve(moderator=moderator, post_id=post.pk)
    counts_after_first = counts(thread)

    with CaptureQueriesContext(connection) as queries:
        second = services.post_approve(moderator=moderator, post_id=post.pk)

    assert first.changed is True
    assert second.changed is False
    assert second.obj.state == PostState.PUBLISHED
    assert writes_in(queries.captured_queries) == []
    assert actions(Verb.APPROVE) == 1
    assert counts(thread) == counts_after_first == (1, 2)
    assert Notification.objects.filter(kind=Kind.POST_APPROVED, post=post).count() == 1


@pytest.mark.parametrize(
    ("verb", "again"),
    [
        ("lock", services.thread_lock),
        ("unlock", services.thread_unlock),
        ("pin", services.thread_pin),
        ("unpin", services.thread_unpin),
    ],
)
def test_thread_verbs_repeated_write_nothing(moderator, verb, again):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    if verb in ("unlock", "unpin"):
        Thread.objects.filter(pk=thread.pk).update(is_locked=True, is_pinned=True)

    first = again(moderator=moderator, thread_id=thread.pk)
    with CaptureQueriesContext(connection) as queries:
        second = again(moderator=moderator, thread_id=thread.pk)

    assert (first.changed, second.changed) == (True, False)
    assert writes_in(queries.captured_queries) == []
    assert actions(verb) == 1


def test_member_verbs_repeated_write_nothing(moderator):
    member = factories.NewMemberFactory()
    until = timezone.now() + timedelta(days=7)
    expires = timezone.now() + timedelta(days=365)
    calls = [
        lambda: services.member_suspend(
            moderator=moderator, user_id=member.pk, until=until, reason="Spam links."
        ),
        lambda: services.member_lift_suspension(moderator=moderator, user_id=member.pk),
        lambda: services.member_verify_clinician(
            moderator=moderator, user_id=member.pk, expires_at=expires
        ),
        lambda: services.member_set_trust(
            moderator=moderator, user_id=member.pk, trust_level=TrustLevel.ESTABLISHED
        ),
    ]
    for call in calls:
        assert call().changed is True
        with CaptureQueriesContext(connection) as queries:
            assert call().changed is False
        assert writes_in(queries.captured_queries) == []

    assert ModerationAction.objects.filter(target_user=member).count() == len(calls)


def test_rejecting_a_rejected_post_or_hiding_a_hidden_one_changes_nothing(moderator):
    post = held_reply()
    services.post_reject(moderator=moderator, post_id=post.pk, reason="Off topic here.")
    assert (
        services.post_reject(moderator=moderator, post_id=post.pk, reason="Another reason.").changed
        is False
    )

    published = make_reply(
        thread=make_thread(board=BoardFactory(), author=factories.UserFactory()),
        author=factories.UserFactory(),
    )
    services.post_hide(moderator=moderator, post_id=published.pk)
    assert services.post_hide(moderator=moderator, post_id=published.pk).changed is False

    assert actions(Verb.REJECT) == 1
    assert actions(Verb.HIDE) == 1
    assert ModerationAction.objects.get(verb=Verb.REJECT).reason == "Off topic here."


def test_a_verb_that_does_not_fit_the_state_is_refused_and_writes_nothing(moderator):
    published = make_reply(
        thread=make_thread(board=BoardFactory(), author=factories.UserFactory()),
        author=factories.UserFactory(),
    )

    with pytest.raises(ApiError) as refused:
        services.post_reject(moderator=moderator, post_id=published.pk, reason="No.")
    assert refused.value.code == "not_pending"
    with pytest.raises(ApiError) as refused:
        services.post_restore(moderator=moderator, post_id=held_reply().pk)
    assert refused.value.code == "not_hidden"

    assert not ModerationAction.objects.exists()


# --- the audit log is append-only -----------------------------------------------------------


def test_moderation_actions_cannot_be_changed_or_deleted(moderator):
    post = held_reply()
    services.post_reject(moderator=moderator, post_id=post.pk, reason="Please add more detail.")
    action = ModerationAction.objects.get()

    action.reason = "Something else"
    with pytest.raises(AppendOnlyError):
        action.save()
    with pytest.raises(AppendOnlyError):
        action.delete()

    stored = ModerationAction.objects.get()
    assert stored.reason == "Please add more detail."
    assert stored.actor == moderator
    assert stored.target_user_id == post.author_id
    assert stored.post_id == post.pk


# --- moving a thread keeps every count right ------------------------------------------------


def test_moving_a_thread_moves_its_counts_and_last_activity(moderator):
    source, target = BoardFactory(), BoardFactory()
    stays = make_thread(board=source, author=factories.UserFactory(), title="Stays")
    Thread.objects.filter(pk=stays.pk).update(last_post_at=timezone.now() - timedelta(days=2))
    Board.objects.filter(pk=source.pk).update(last_post_at=timezone.now())
    moving = make_thread(board=source, author=factories.UserFactory(), title="Moves")
    make_reply(thread=moving, author=factories.UserFactory())
    make_reply(thread=moving, author=factories.UserFactory(), state=PostState.HIDDEN)
    moving.refresh_from_db()

    result = services.thread_move(moderator=moderator, thread_id=moving.pk, board_id=target.pk)

    assert result.changed is True
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.thread_count, source.post_count) == (1, 1)
    assert (target.thread_count, target.post_count) == (1, 2)
    assert target.last_post_at == moving.last_post_at
    stays.refresh_from_db()
    assert source.last_post_at == stays.last_post_at
    action = ModerationAction.objects.get(verb=Verb.MOVE)
    assert action.data["from_board"] == source.pk
    assert action.data["to_board"] == target.pk


def test_moving_a_held_thread_changes_no_counts(moderator):
    source = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    target = BoardFactory()
    held = make_thread(board=source, author=factories.UserFactory(), state=PostState.PENDING)

    services.thread_move(moderator=moderator, thread_id=held.pk, board_id=target.pk)

    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.thread_count, source.post_count) == (0, 0)
    assert (target.thread_count, target.post_count) == (0, 0)
    # Approved later, it is counted where it now is.
    services.post_approve(moderator=moderator, post_id=held.posts.get(position=1).pk)
    target.refresh_from_db()
    assert (target.thread_count, target.post_count) == (1, 1)


# --- approving the opening post publishes the thread ----------------------------------------


def test_approving_an_opening_post_lists_the_thread_and_rejecting_one_closes_it(moderator):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    approved, rejected = (
        make_thread(board=board, author=factories.UserFactory(), state=PostState.PENDING)
        for _ in range(2)
    )

    services.post_approve(moderator=moderator, post_id=approved.posts.get(position=1).pk)
    services.post_reject(
        moderator=moderator, post_id=rejected.posts.get(position=1).pk, reason="Duplicate."
    )

    approved.refresh_from_db()
    rejected.refresh_from_db()
    board.refresh_from_db()
    assert approved.state == PostState.PUBLISHED
    assert rejected.state == PostState.REJECTED
    assert (board.thread_count, board.post_count) == (1, 1)


def test_hiding_an_opening_post_unlists_the_thread_and_restoring_lists_it_again(moderator):
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    opening = thread.posts.get(position=1)

    services.post_hide(moderator=moderator, post_id=opening.pk, reason="Checking a claim.")

    thread.refresh_from_db()
    board.refresh_from_db()
    assert thread.state == PostState.HIDDEN
    assert (board.thread_count, board.post_count) == (0, 0)

    services.post_restore(moderator=moderator, post_id=opening.pk)

    thread.refresh_from_db()
    board.refresh_from_db()
    assert thread.state == PostState.PUBLISHED
    assert thread.reply_count == 1
    assert (board.thread_count, board.post_count) == (1, 2)
    assert [a.verb for a in ModerationAction.objects.order_by("id")] == [Verb.HIDE, Verb.RESTORE]


# --- two moderators at once ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_the_same_post_at_once_write_one_action():
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    post = held_reply(board=board)
    thread = Thread.objects.get(pk=post.thread_id)
    moderators = [factories.ModeratorFactory(), factories.ModeratorFactory()]
    start = threading.Barrier(len(moderators))
    results: list[services.Result[Post]] = []
    errors: list[BaseException] = []

    def approve(moderator) -> None:
        try:
            start.wait(timeout=30)
            results.append(services.post_approve(moderator=moderator, post_id=post.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=approve, args=(m,)) for m in moderators]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert not any(worker.is_alive() for worker in workers)
    assert errors == []
    assert sorted(result.changed for result in results) == [False, True]
    assert ModerationAction.objects.filter(verb=Verb.APPROVE, post=post).count() == 1
    thread.refresh_from_db()
    board.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.last_published_position == post.position
    assert (board.thread_count, board.post_count) == (1, 2)
    assert Notification.objects.filter(kind=Kind.POST_APPROVED, post=post).count() == 1


# --- automatic trust ------------------------------------------------------------------------


def start_thread(*, board: Board, author, title: str) -> Thread:
    """A thread as the member's own post makes it: held or published by the board's rules."""
    return posting.thread_create(
        author=author, board=board, title=title, body="Hello, I was diagnosed last month."
    )


def trust_actions(member) -> list[ModerationAction]:
    return list(ModerationAction.objects.filter(verb=Verb.SET_TRUST, target_user=member))


def test_a_new_member_is_established_after_two_approvals_and_three_days(moderator):
    joined = timezone.now()
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    with time_machine.travel(joined, tick=False):
        newcomer = factories.NewMemberFactory()
        first = start_thread(board=board, author=newcomer, title="Hello from Leeds")
        second = start_thread(board=board, author=newcomer, title="Botox question")
        assert first.state == second.state == PostState.PENDING

    with time_machine.travel(joined + timedelta(days=3, minutes=1), tick=False):
        services.post_approve(moderator=moderator, post_id=first.posts.get(position=1).pk)
        newcomer.refresh_from_db()
        assert newcomer.trust_level == TrustLevel.NEW  # one approved post is not enough

        services.post_approve(moderator=moderator, post_id=second.posts.get(position=1).pk)
        newcomer.refresh_from_db()
        assert newcomer.trust_level == TrustLevel.ESTABLISHED
        assert newcomer.trust_changed_at == timezone.now()
        assert services.trust_maybe_promote(user=newcomer) is False

    [promotion] = trust_actions(newcomer)
    assert promotion.actor is None
    assert promotion.data["automatic"] is True
    # Established now: the next post on a board that holds new members is published at once.
    later = start_thread(board=board, author=newcomer, title="Physio tips")
    assert later.state == PostState.PUBLISHED


def test_approvals_in_the_first_days_do_not_make_a_member_established(moderator):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    newcomer = factories.NewMemberFactory()
    threads = [start_thread(board=board, author=newcomer, title=f"Post {n}") for n in range(2)]
    assert {thread.state for thread in threads} == {PostState.PENDING}

    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23), tick=False):
        for thread in threads:
            services.post_approve(moderator=moderator, post_id=thread.posts.get(position=1).pk)

    newcomer.refresh_from_db()
    assert newcomer.trust_level == TrustLevel.NEW
    assert trust_actions(newcomer) == []


def test_a_member_set_back_to_new_by_hand_is_not_promoted_on_older_posts(moderator):
    board = BoardFactory()
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        member = factories.NewMemberFactory()
        for n in range(2):
            make_thread(board=board, author=member, title=f"Older post {n}")
    services.member_set_trust(
        moderator=moderator, user_id=member.pk, trust_level=TrustLevel.ESTABLISHED
    )
    services.member_set_trust(moderator=moderator, user_id=member.pk, trust_level=TrustLevel.NEW)
    member.refresh_from_db()

    assert services.trust_maybe_promote(user=member) is False
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.NEW
    assert [a.data for a in trust_actions(member)][-1] == {"from": "established", "to": "new"}


# --- suspension ends sessions ------------------------------------------------------------


def test_suspending_ends_only_that_members_sessions(client, moderator):
    member, other = factories.UserFactory(), factories.UserFactory()
    client.force_login(member)
    other_client = type(client)()
    other_client.force_login(other)
    assert client.get("/api/v1/me").status_code == 200

    result = services.member_suspend(
        moderator=moderator,
        user_id=member.pk,
        until=timezone.now() + timedelta(days=3),
        reason="Repeated abuse.",
    )

    assert result.changed is True
    assert client.get("/api/v1/me").status_code == 401
    assert other_client.get("/api/v1/me").status_code == 200
