from datetime import timedelta
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Role, TrustLevel, User
from community.forum.markdown import render_markdown
from community.forum.models import Board, BoardVisibility, Post, PostingPolicy, PostState, Thread
from community.resources.models import Resource, Tag
from community.resources.services.common import months_after

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A member with a verified email and a profile, who can sign in with ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    username = factory.Sequence(lambda n: f"member_{n}")
    display_name = factory.Faker("first_name")
    role = Role.MEMBER
    trust_level = TrustLevel.ESTABLISHED

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        email = kwargs.pop("email")
        username = kwargs.pop("username")
        password = kwargs.pop("password", PASSWORD)
        user = model_class.objects.create_user(email, username, password, **kwargs)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class NewMemberFactory(UserFactory):
    trust_level = TrustLevel.NEW


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR
    is_staff = True


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class SuspendedMemberFactory(UserFactory):
    suspended_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


# --- forum -------------------------------------------------------------------------------
class BoardFactory(factory.django.DjangoModelFactory[Board]):
    class Meta:
        model = Board

    slug = factory.Sequence(lambda n: f"board-{n}")
    name = factory.Sequence(lambda n: f"Board {n}")
    description = "Talk about living with cervical dystonia."
    position = factory.Sequence(lambda n: n)
    visibility = BoardVisibility.PUBLIC
    posting_policy = PostingPolicy.OPEN


def _without_posting_limits() -> override_settings:
    """Set-up data is not typed by a person: flood control and new members' daily quotas are
    off while a factory posts (tests/community/moderation covers them through the API)."""
    return override_settings(
        MODERATION_FLOOD_SECONDS=0,
        MODERATION_NEW_MEMBER_THREADS_PER_DAY=10**6,
        MODERATION_NEW_MEMBER_REPLIES_PER_DAY=10**6,
    )


def pause_between_posts(time_machine: Any) -> None:
    """Moves the clock on past flood control, as a member does between two posts."""
    time_machine.move_to(
        timezone.now() + timedelta(seconds=settings.MODERATION_FLOOD_SECONDS), tick=True
    )


def make_thread(
    *,
    board: Board,
    author: User,
    title: str = "Botox wearing off early",
    body: str = "My injections seem to wear off after eight weeks. Anyone else?",
    is_anonymous: bool = False,
    state: str = PostState.PUBLISHED,
) -> Thread:
    """A thread through the real service, then moved to ``state`` when another is wanted."""
    from community.posting.services import thread_create

    with _without_posting_limits():
        thread = thread_create(
            author=author, board=board, title=title, body=body, is_anonymous=is_anonymous
        )
    if state != thread.state:
        _force_state(post=thread.opening_post, state=state)  # type: ignore[attr-defined]
        thread.refresh_from_db()
    return thread


def make_reply(
    *,
    thread: Thread,
    author: User,
    body: str = "Same here. My neurologist moved me to ten-week cycles.",
    is_anonymous: bool = False,
    state: str = PostState.PUBLISHED,
) -> Post:
    """A reply through the real service, then moved to ``state`` when another is wanted."""
    from community.posting.services import post_create

    with _without_posting_limits():
        post = post_create(author=author, thread_id=thread.pk, body=body, is_anonymous=is_anonymous)
    if state != post.state:
        _force_state(post=post, state=state)
        post.refresh_from_db()
    return post


def _force_state(*, post: Post, state: str) -> None:
    """Test set-up only: puts a post into ``state`` with the counters the services keep."""
    from community.forum.services import counters

    with transaction.atomic():
        counters.post_state_set(post=post, state=state)


class CuratorFactory(UserFactory):
    """A member trusted with the library, without moderator powers."""

    is_curator = True
    is_staff = True


def make_resource(
    *,
    title: str = "Living with cervical dystonia",
    url: str | None = None,
    state: str = "published",
    category: str = "understanding_dystonia",
    audience: str = "everyone",
    tags: tuple[str, ...] = (),
    summary: str = "A calm overview of the condition and its treatments.",
    **fields: Any,
) -> Resource:
    """A resource as the services would leave it, without going through them."""
    now = timezone.now()
    published = state == "published"
    resource = Resource.objects.create(
        title=title,
        url=url or f"https://example.org/resources/{Resource.objects.count() + 1}",
        summary_source=summary,
        summary_html=render_markdown(summary),
        category=category,
        audience=audience,
        state=state,
        published_at=now if published else None,
        last_reviewed_at=now if published else None,
        review_due_at=months_after(now, 12) if published else None,
        **fields,
    )
    resource.tags.set(
        [Tag.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in tags]
    )
    return resource
