from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Max
from django.test import override_settings
from django.utils import timezone

from accounts.models import TrustLevel, User
from community.demo.forum import DEMO_BOARDS, DEMO_MEMBERS
from community.demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from community.forum.models import (
    Board,
    BoardVisibility,
    Post,
    PostingPolicy,
    PostState,
    Thread,
)

pytestmark = pytest.mark.django_db

DEMO_SLUGS = [board["slug"] for board in DEMO_BOARDS]
ALL_USERNAMES = [spec["username"] for spec in [*DEMO_USERS, *DEMO_MEMBERS]]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "boards": Board.objects.count(),
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
    }


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
    """What the first run printed."""
    return seeded_once


def test_running_twice_duplicates_nothing(seeded):
    first = counts()
    second_output = seed()

    assert counts() == first
    assert first["users"] == len(ALL_USERNAMES)
    assert first["boards"] == len(DEMO_BOARDS) == 10
    assert first["threads"] == sum(len(board["threads"]) for board in DEMO_BOARDS)
    assert "created 10 boards and 25 threads" in seeded
    assert "created 0 boards and 0 threads" in second_output


def test_a_missing_thread_is_added_back_and_the_rest_left_alone(seeded):
    thread = Thread.objects.get(title="Driving with cervical dystonia")
    board = thread.board
    removed_posts = thread.posts.count()
    others = set(Thread.objects.filter(board=board).exclude(pk=thread.pk).values_list("pk"))
    thread.delete()
    Board.objects.filter(pk=board.pk).update(
        thread_count=F("thread_count") - 1, post_count=F("post_count") - removed_posts
    )

    output = seed()

    assert "created 0 boards and 1 threads" in output
    threads = Thread.objects.filter(board=board)
    assert threads.filter(title="Driving with cervical dystonia").count() == 1
    assert set(threads.exclude(title="Driving with cervical dystonia").values_list("pk")) == others
    board.refresh_from_db()
    assert board.thread_count == threads.count() == 3
    assert board.post_count == Post.objects.filter(thread__board=board).count()


def test_boards_come_in_the_demo_order_with_two_or_three_threads(seeded):
    boards = list(Board.objects.filter(slug__in=DEMO_SLUGS))

    assert [board.slug for board in boards] == DEMO_SLUGS
    for board in boards:
        assert 2 <= Thread.objects.filter(board=board).count() <= 3, board.slug
        assert board.description
        for thread in Thread.objects.filter(board=board, state=PostState.PUBLISHED):
            assert 1 <= thread.reply_count <= 4, thread.title


def test_counters_match_the_published_posts(seeded):
    for board in Board.objects.filter(slug__in=DEMO_SLUGS):
        published_threads = Thread.objects.filter(board=board, state=PostState.PUBLISHED)
        published_posts = Post.objects.filter(thread__board=board, state=PostState.PUBLISHED)
        assert board.thread_count == published_threads.count(), board.slug
        assert board.post_count == published_posts.count(), board.slug
        assert board.last_post_at == published_posts.aggregate(m=Max("created_at"))["m"]

        for thread in Thread.objects.filter(board=board):
            posts = list(thread.posts.order_by("position"))
            published = [post for post in posts if post.state == PostState.PUBLISHED]
            assert thread.state == posts[0].state
            assert thread.last_position == len(posts)
            assert thread.reply_count == len([p for p in published if p.position > 1])
            assert thread.created_at == posts[0].created_at
            if published:
                assert thread.last_published_position == published[-1].position
                assert thread.last_post_at == published[-1].created_at
                assert thread.last_poster_id == published[-1].author_id
                assert thread.last_post_anonymous == published[-1].is_anonymous


def test_posts_are_dated_over_the_last_weeks_in_order(seeded):
    now = timezone.now()
    for thread in Thread.objects.filter(board__slug__in=DEMO_SLUGS):
        posts = list(thread.posts.select_related("author").order_by("position"))
        dates = [post.created_at for post in posts]
        assert dates == sorted(dates)
        assert len(set(dates)) == len(dates)
        for post in posts:
            assert now - timedelta(days=35) < post.created_at < now
            assert post.created_at > post.author.date_joined


def test_demo_posts_are_published_except_one_held_for_moderation(seeded):
    held = Post.objects.exclude(state=PostState.PUBLISHED)

    assert held.count() == 1
    post = held.get()
    assert post.state == PostState.PENDING
    assert post.author.username == "newly_diagnosed_lee"
    assert post.thread.board.slug == "newly-diagnosed"
    assert post.thread.state == PostState.PENDING
    lee_published = Post.objects.filter(
        author__username="newly_diagnosed_lee", state=PostState.PUBLISHED
    )
    assert {post.thread.board.slug for post in lee_published} == {"introductions"}


def test_caregivers_is_members_only_and_the_other_boards_are_public(seeded):
    caregivers = Board.objects.get(slug="caregivers")

    assert caregivers.visibility == BoardVisibility.MEMBERS
    others = Board.objects.filter(slug__in=DEMO_SLUGS).exclude(slug="caregivers")
    assert set(others.values_list("visibility", flat=True)) == {BoardVisibility.PUBLIC}


def test_posting_policies_and_the_anonymous_post_in_mental_health(seeded):
    policies = dict(Board.objects.values_list("slug", "posting_policy"))
    assert policies.pop("introductions") == PostingPolicy.OPEN
    assert set(policies.values()) == {PostingPolicy.PREMODERATE_NEW}

    anonymous_boards = set(Board.objects.filter(allows_anonymous=True).values_list("slug"))
    assert anonymous_boards == {("mental-health",)}
    anonymous = Post.objects.filter(is_anonymous=True)
    assert anonymous.exists()
    assert {post.thread.board.slug for post in anonymous} == {"mental-health"}
    assert Thread.objects.filter(board__slug="mental-health", is_anonymous=True).count() == 1


def test_demo_content_renders_links_to_reputable_organisations(seeded):
    linked = Post.objects.filter(body_html__contains='href="https://dystonia')

    assert linked.count() >= 3
    assert not Post.objects.filter(body_source__icontains="lorem").exists()


def test_demo_members_are_verified_and_sign_in_with_the_demo_password(seeded):
    for username in ALL_USERNAMES:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    for spec in DEMO_MEMBERS:
        user = User.objects.get(username=spec["username"])
        assert user.trust_level == TrustLevel.ESTABLISHED
        assert user.display_name == spec["display_name"]
        assert user.profile.bio == spec["profile"]["bio"]


def test_every_author_in_the_demo_content_is_a_demo_member():
    authors = set()
    for board in DEMO_BOARDS:
        for thread in board["threads"]:
            authors.add(thread["author"])
            authors.update(reply["author"] for reply in thread["replies"])
    assert authors <= set(ALL_USERNAMES)


def test_output_lists_the_demo_logins(seeded):
    assert DEMO_PASSWORD in seeded
    for spec in DEMO_USERS:
        assert spec["email"] in seeded
        assert f"@{spec['username']}" in seeded
    assert f"plus {len(DEMO_MEMBERS)} other demo members" in seeded
    for spec in DEMO_MEMBERS:
        assert spec["email"] not in seeded
