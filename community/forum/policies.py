"""Pure rules of the forum: ``check_*`` raises, the bare name answers a bool.

They take already-loaded objects and never query, so list endpoints can compute every
``can_*`` flag for a page without a query per row.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import TrustLevel, User
from accounts.policies import check_not_suspended
from community.forum.models import (
    ALL_POSTS,
    PUBLIC_POSTS,
    Board,
    BoardVisibility,
    Post,
    PostingPolicy,
    PostState,
    Tally,
    Thread,
)
from config.api.errors import ApiError

Viewer = User | AnonymousUser


def is_moderator(viewer: Viewer) -> bool:
    return isinstance(viewer, User) and viewer.is_moderator


def can_view_board(*, viewer: Viewer, board: Board) -> bool:
    return board.visibility == BoardVisibility.PUBLIC or viewer.is_authenticated


def can_view_thread(*, viewer: Viewer, thread: Thread) -> bool:
    """Its board's readers see it once its opening post is published and, while that is
    urgent, only if ``MODERATION_CRISIS_VISIBILITY`` lets them; its author and moderators
    always."""
    if not can_view_board(viewer=viewer, board=thread.board):
        return False
    if is_moderator(viewer) or _is_own(viewer, thread):
        return True
    return thread.state == PostState.PUBLISHED and not (
        thread.is_urgent and urgent_hidden_from(viewer=viewer)
    )


def _is_own(viewer: Viewer, post: Post | Thread) -> bool:
    return viewer.is_authenticated and post.author_id == viewer.pk


def can_see_post_text(*, viewer: Viewer, post: Post) -> bool:
    """Published text for all who see the thread; any other state for its author and mods."""
    return post.state == PostState.PUBLISHED or is_moderator(viewer) or _is_own(viewer, post)


def can_see_decision(*, viewer: Viewer, post: Post | Thread) -> bool:
    """Why a moderator turned a post down or hid it is for its author and moderators."""
    if post.state not in (PostState.REJECTED, PostState.HIDDEN):
        return False
    return is_moderator(viewer) or _is_own(viewer, post)


def can_see_author(*, viewer: Viewer, post: Post | Thread) -> bool:
    """Who wrote it is hidden from others when it was posted anonymously, and when its author
    withdrew it (the placeholder names no one)."""
    if is_moderator(viewer) or _is_own(viewer, post):
        return True
    return not post.is_anonymous and post.state != PostState.WITHDRAWN


def initial_state(*, author: User, board: Board) -> str:
    """Where a new post starts under the board's posting policy: published, or held for a
    moderator. On a board that holds new members, a new member's posts are held until
    ``MODERATION_NEW_MEMBER_HELD_POSTS`` of theirs are published: the one rule here that
    queries, and only for them."""
    if author.is_moderator or board.posting_policy == PostingPolicy.OPEN:
        return PostState.PUBLISHED
    if board.posting_policy == PostingPolicy.PREMODERATE_ALL:
        return PostState.PENDING
    held = settings.MODERATION_NEW_MEMBER_HELD_POSTS
    if author.trust_level != TrustLevel.NEW or held <= 0:
        return PostState.PUBLISHED
    published = Post.objects.filter(author=author, state=PostState.PUBLISHED)[:held].count()
    return PostState.PUBLISHED if published >= held else PostState.PENDING


def _check_can_write(*, user: Viewer) -> User:
    if not isinstance(user, User):
        raise ApiError("Sign in to do this.", code="not_authenticated", status_code=401)
    check_not_suspended(user=user)
    return user


def check_can_start_thread(*, user: Viewer, board: Board, is_anonymous: bool) -> User:
    author = _check_can_write(user=user)
    if board.is_archived:
        raise ApiError(
            "This board is archived: it can be read but takes no new posts.",
            code="board_archived",
            status_code=403,
        )
    if is_anonymous and not board.allows_anonymous:
        raise ApiError(
            "This board does not allow anonymous posts.",
            code="invalid",
            status_code=422,
            fields={"is_anonymous": ["This board does not allow anonymous posts."]},
        )
    return author


def check_can_reply(*, user: Viewer, thread: Thread, is_anonymous: bool = False) -> User:
    author = check_can_start_thread(user=user, board=thread.board, is_anonymous=is_anonymous)
    if thread.is_locked and not author.is_moderator:
        raise ApiError(
            "This thread is locked: it can be read but takes no new replies.",
            code="thread_locked",
            status_code=403,
        )
    if thread.state != PostState.PUBLISHED:
        raise ApiError(
            "Replies open once this thread is approved.",
            code="thread_not_published",
            status_code=403,
        )
    return author


def can_reply(*, user: Viewer, thread: Thread) -> bool:
    if not isinstance(user, User) or user.is_suspended() or thread.board.is_archived:
        return False
    if thread.is_locked and not user.is_moderator:
        return False
    return thread.state == PostState.PUBLISHED


def _is_author(user: Viewer, post: Post) -> bool:
    return isinstance(user, User) and post.author_id == user.pk


def can_edit(*, user: Viewer, post: Post, thread: Thread) -> bool:
    return (
        _is_author(user, post)
        and isinstance(user, User)
        and not user.is_suspended()
        and post.state in (PostState.PUBLISHED, PostState.PENDING)
        and not thread.is_locked
        and not thread.board.is_archived
    )


def check_can_edit(*, user: Viewer, post: Post) -> User:
    author = _check_can_write(user=user)
    if not _is_author(author, post):
        raise ApiError(
            "Only its author can edit a post.", code="permission_denied", status_code=403
        )
    if not can_edit(user=author, post=post, thread=post.thread):
        raise ApiError("This post can no longer be edited.", code="not_editable", status_code=403)
    return author


def can_withdraw(*, user: Viewer, post: Post) -> bool:
    return (
        _is_author(user, post)
        and isinstance(user, User)
        and not user.is_suspended()
        and post.state in (PostState.PUBLISHED, PostState.PENDING)
    )


def check_can_withdraw(*, user: Viewer, post: Post) -> User:
    author = _check_can_write(user=user)
    if not _is_author(author, post):
        raise ApiError(
            "Only its author can withdraw a post.", code="permission_denied", status_code=403
        )
    return author


def can_react(*, user: Viewer, post: Post) -> bool:
    return (
        isinstance(user, User)
        and not user.is_suspended()
        and post.state == PostState.PUBLISHED
        and post.author_id != user.pk
    )


def check_can_react(*, user: Viewer, post: Post) -> User:
    member = _check_can_write(user=user)
    if post.author_id == member.pk:
        raise ApiError("You cannot react to your own post.", code="own_post", status_code=403)
    if post.state != PostState.PUBLISHED:
        raise Http404
    return member


def can_flag(*, user: Viewer, post: Post) -> bool:
    return can_react(user=user, post=post)


# --- Who sees an urgent post while it waits ----------------------------------------------
# A post that reads like a member may be in crisis waits for a moderator; the setting
# MODERATION_CRISIS_VISIBILITY says who else sees it meanwhile.
CRISIS_EVERYONE = "everyone"
CRISIS_MEMBERS = "members"
CRISIS_MODERATORS = "moderators"
CRISIS_VISIBILITY_CHOICES = (CRISIS_EVERYONE, CRISIS_MEMBERS, CRISIS_MODERATORS)


def crisis_visibility() -> str:
    return str(settings.MODERATION_CRISIS_VISIBILITY)


def urgent_hidden_from(*, viewer: Viewer) -> bool:
    """Whether urgent posts (other than the viewer's own) are kept from this viewer while
    they wait: from visitors who are not signed in ("members", the default), from everyone
    but moderators ("moderators"), or from nobody ("everyone")."""
    visibility = crisis_visibility()
    if visibility == CRISIS_EVERYONE or is_moderator(viewer):
        return False
    if visibility == CRISIS_MODERATORS:
        return True
    return not viewer.is_authenticated


def tally_for(*, viewer: Viewer) -> Tally:
    """The counters this viewer is shown (counts, last poster, last activity): over every
    published post, or, for a viewer kept from urgent posts, over the rest."""
    return PUBLIC_POSTS if urgent_hidden_from(viewer=viewer) else ALL_POSTS


def urgent_out_of_search_for(*, viewer: Viewer) -> bool:
    """Urgent posts are out of search for everyone but moderators, their authors included,
    unless the setting says "everyone"."""
    return crisis_visibility() != CRISIS_EVERYONE and not is_moderator(viewer)


def crisis_resources_for(*, viewer: Viewer, post: Post) -> list[dict[str, str]] | None:
    """The helplines shown with an urgent post to its author, whatever the post's state;
    None for everyone else and for posts that are not urgent."""
    if not post.is_urgent or not viewer.is_authenticated or post.author_id != viewer.pk:
        return None
    return [dict(resource) for resource in settings.MODERATION_CRISIS_RESOURCES]
