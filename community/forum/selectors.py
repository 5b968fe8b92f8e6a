"""Reads of the forum, already narrowed to what the viewer may see.

Whatever a viewer may not see is a 404, the same as what does not exist.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from community.forum import policies, unread_cache
from community.forum.models import (
    ALL_POSTS,
    PUBLIC_POSTS,
    Board,
    BoardVisibility,
    Draft,
    Post,
    PostState,
    Reaction,
    Subscription,
    Tally,
    Thread,
)
from community.forum.policies import Viewer

# What an author card shows; lists load only these columns of each user they join.
AUTHOR_CARD_FIELDS = (
    "id",
    "username",
    "display_name",
    "role",
    "clinician_verified_at",
    "clinician_expires_at",
)


def _card_fields(relation: str) -> list[str]:
    return [f"{relation}__{name}" for name in AUTHOR_CARD_FIELDS]


# Posts others may see: published ones, and withdrawn ones as a placeholder without text.
LISTED_STATES = (PostState.PUBLISHED, PostState.WITHDRAWN)


def thread_crisis_filter(*, viewer: Viewer, thread_id: str = "pk") -> Q:
    """Threads whose opening post is urgent (a member may be in crisis) are out of view for
    the viewers ``MODERATION_CRISIS_VISIBILITY`` names, except for the thread's author.

    ``thread_id`` names the thread's id in the query filtered (``"thread_id"`` for posts).
    A condition on the thread's own row (it mirrors its opening post), never a query.
    """
    if not policies.urgent_hidden_from(viewer=viewer):
        return Q()
    prefix = "" if thread_id == "pk" else "thread__"
    shown = Q(**{f"{prefix}is_urgent": False})
    if viewer.is_authenticated:
        shown |= Q(**{f"{prefix}author_id": viewer.pk})
    return shown


def unread_window_start() -> datetime:
    """Activity older than this never counts as unread (like Discourse's "new" window)."""
    return timezone.now() - timedelta(days=settings.FORUM_UNREAD_WINDOW_DAYS)


def board_list_visible_to(*, viewer: Viewer) -> QuerySet[Board]:
    """Boards in their order; members-only boards only for signed-in members."""
    boards = Board.objects.order_by("position", "id")
    if not viewer.is_authenticated:
        boards = boards.filter(visibility=BoardVisibility.PUBLIC)
    return boards


def board_unread_counts(*, viewer: Viewer, board_ids: list[int]) -> dict[int, int]:
    """Threads per board with posts the member has not read (within the unread window).

    One query for all boards, cached briefly per member (see ``unread_cache``).
    """
    if not viewer.is_authenticated or not board_ids:
        return {}
    return unread_cache.cached_counts(
        user_id=viewer.pk,
        board_ids=board_ids,
        compute=lambda: _board_unread_counts(viewer=viewer, board_ids=board_ids),
    )


def _board_unread_counts(*, viewer: Viewer, board_ids: list[int]) -> dict[int, int]:
    tally = policies.tally_for(viewer=viewer)
    rows = (
        _threads_with_read_state(viewer=viewer)
        # The plain bound lets the index skip every thread quiet since the unread window began;
        # the per-member start (a board mark) narrows further.
        .filter(tally.counted(), board_id__in=board_ids)
        .filter(**{f"{tally.last_post_at}__gt": unread_window_start()})
        .filter(**{f"{tally.last_post_at}__gt": F("unread_since")})
        .exclude(Q(read_position__gte=F(tally.last_position)))
        .values("board_id")
        .annotate(unread=Count("id"))
        .order_by()
    )
    return {row["board_id"]: row["unread"] for row in rows}


def board_get_visible(*, viewer: Viewer, slug: str) -> Board:
    board = Board.objects.filter(slug=slug).first()
    if board is None or not policies.can_view_board(viewer=viewer, board=board):
        raise Http404
    return board


def _threads_with_read_state(*, viewer: Viewer) -> QuerySet[Thread]:
    """Threads annotated with the member's read position and the time unread counting starts.

    Both come from LEFT JOINs made once (not a subquery per use), so the annotations can be
    used in filters, conditions and further subqueries at no extra cost.
    """
    member = cast(User, viewer)
    window = unread_window_start()
    return Thread.objects.annotate(
        my_read=FilteredRelation("read_states", condition=Q(read_states__user=member)),
        my_mark=FilteredRelation("board__read_marks", condition=Q(board__read_marks__user=member)),
    ).annotate(
        read_position=Coalesce(F("my_read__last_read_position"), Value(0)),
        unread_since=Greatest(Coalesce(F("my_mark__read_at"), Value(window)), Value(window)),
    )


def _thread_columns(*, tally: Tally) -> list[str]:
    """What a thread in a list loads: its row, less its search text and the counters of the
    tally the viewer is not shown; the cards of its author and of the last poster the viewer
    is shown; its board's flags."""
    other = PUBLIC_POSTS if tally is ALL_POSTS else ALL_POSTS
    unused = {"search_vector"} | {
        getattr(other, name)
        for name in ("reply_count", "last_post_at", "last_poster", "last_post_anonymous")
    }
    return [
        *(f.name for f in Thread._meta.concrete_fields if f.name not in unused),
        *_card_fields("author"),
        *_card_fields(tally.last_poster),
        "board__slug",
        "board__visibility",
        "board__is_archived",
    ]


def thread_list_keys(*, viewer: Viewer) -> tuple[str, ...]:
    """The keyset a board's thread list is paged on for this viewer: pinned first, then by
    the last activity they may see."""
    return ("is_pinned", policies.tally_for(viewer=viewer).last_post_at, "id")


def thread_list_visible_to(*, viewer: Viewer, board: Board) -> QuerySet[Thread]:
    """Listed threads of a board, pinned first then by last activity, with unread counts.

    Counts, last poster and last activity are those of the viewer's tally (see
    ``policies.tally_for``), and so is the order, read from that tally's listing index.
    Ordered for keyset pagination on ``thread_list_keys``, all descending.
    """
    tally = policies.tally_for(viewer=viewer)
    if viewer.is_authenticated:
        threads = _threads_with_read_state(viewer=viewer).annotate(
            unread_count=Case(
                When(**{f"{tally.last_post_at}__lte": F("unread_since")}, then=Value(0)),
                When(read_position__gte=F(tally.last_position), then=Value(0)),
                default=Subquery(
                    Post.objects.filter(
                        tally.counted(),
                        thread_id=OuterRef("pk"),
                        position__gt=OuterRef("read_position"),
                        created_at__gt=OuterRef("unread_since"),
                    )
                    .order_by()
                    .values("thread_id")
                    .annotate(n=Count("id"))
                    .values("n")[:1]
                ),
                output_field=IntegerField(),
            )
        )
    else:
        threads = Thread.objects.annotate(unread_count=Value(0, output_field=IntegerField()))
    return (
        threads.filter(tally.counted(), board=board)
        .select_related("author", tally.last_poster, "board")
        .only(*_thread_columns(tally=tally))
        .order_by(*(f"-{key}" for key in thread_list_keys(viewer=viewer)))
    )


# How many of their own threads that others do not see a member is shown atop a board.
OWN_UNLISTED_LIMIT = 20


def own_threads_unlisted(*, viewer: Viewer, board: Board) -> list[Thread]:
    """The member's own threads in this board that the board's list leaves out (waiting for
    approval, turned down, hidden by a moderator, or urgent while others are kept from it),
    newest first: the first page of the list starts with them, so nothing they wrote looks
    lost. Withdrawn threads are theirs to find in ``me/posts``.

    Most members have none: a bare query of ids from the author index answers that, and the
    rows are loaded only when there are some."""
    if not viewer.is_authenticated:
        return []
    tally = policies.tally_for(viewer=viewer)
    ids = list(
        Thread.objects.filter(board=board, author_id=viewer.pk)
        .exclude(tally.counted())
        .exclude(state=PostState.WITHDRAWN)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:OWN_UNLISTED_LIMIT]
    )
    if not ids:
        return []
    return list(
        Thread.objects.filter(pk__in=ids)
        .select_related("author", tally.last_poster, "board")
        .only(*_thread_columns(tally=tally))
        .order_by("-created_at", "-id")
    )


def thread_get_visible(*, viewer: Viewer, thread_id: int) -> Thread:
    """A thread the viewer may see, with its board, its author and the last poster they are
    shown."""
    tally = policies.tally_for(viewer=viewer)
    found = (
        Thread.objects.select_related("board", "author", tally.last_poster)
        .filter(pk=thread_id)
        .first()
    )
    if found is None or not policies.can_view_thread(viewer=viewer, thread=found):
        raise Http404
    return found


@dataclass(frozen=True)
class ThreadViewerState:
    """What the thread looks like to this member: how far they read, how they follow it."""

    read_position: int
    first_unread_position: int | None
    subscription: str | None


def thread_viewer_state(*, viewer: Viewer, thread: Thread) -> ThreadViewerState:
    """How far the member read, where to open the thread, and how they follow it; one query.

    The first unread post follows the same rule as the unread counts in lists (board marks
    and the unread window included).
    """
    if not viewer.is_authenticated:
        return ThreadViewerState(read_position=0, first_unread_position=None, subscription=None)
    counted = policies.tally_for(viewer=viewer).counted()
    row = (
        _threads_with_read_state(viewer=viewer)
        .filter(pk=thread.pk)
        .annotate(
            level=Subquery(
                Subscription.objects.filter(user_id=viewer.pk, thread_id=OuterRef("pk")).values(
                    "level"
                )[:1]
            ),
            # Posts after the read position and posts after the unread start are both tails of
            # the thread (positions follow time), so the first unread post is the later of the
            # two firsts; each comes straight from an index, however long the thread.
            after_position=Subquery(
                Post.objects.filter(
                    counted, thread_id=OuterRef("pk"), position__gt=OuterRef("read_position")
                )
                .order_by("position")
                .values("position")[:1]
            ),
            after_time=Subquery(
                Post.objects.filter(
                    counted, thread_id=OuterRef("pk"), created_at__gt=OuterRef("unread_since")
                )
                .order_by("created_at")
                .values("position")[:1]
            ),
        )
        .annotate(
            first_unread=Case(
                When(Q(after_position__isnull=True) | Q(after_time__isnull=True), then=None),
                default=Greatest("after_position", "after_time"),
                output_field=IntegerField(),
            )
        )
        .values("read_position", "level", "first_unread")
        .get()
    )
    return ThreadViewerState(
        read_position=row["read_position"],
        first_unread_position=row["first_unread"],
        subscription=row["level"],
    )


def post_visibility_filter(*, viewer: Viewer) -> Q:
    """Posts a viewer sees listed in a thread they can see. Urgent posts are left out for
    the viewers ``MODERATION_CRISIS_VISIBILITY`` names (never for their author)."""
    if policies.is_moderator(viewer):
        return Q()
    listed = Q(state__in=LISTED_STATES)
    if policies.urgent_hidden_from(viewer=viewer):
        listed &= Q(is_urgent=False)
    if viewer.is_authenticated:
        return listed | Q(author_id=viewer.pk)
    return listed


# What a post's resource card shows (see ResourceCardSerializer), and its state.
RESOURCE_CARD_FIELDS = ("id", "title", "url", "organisation", "category", "state")


def post_list_visible_to(*, viewer: Viewer, thread: Thread) -> QuerySet[Post]:
    """The thread's posts this viewer sees, in order (keyset-paginated on position)."""
    return (
        Post.objects.filter(thread=thread)
        .filter(post_visibility_filter(viewer=viewer))
        .select_related("author", "resource")
        .only(
            *(f.name for f in Post._meta.concrete_fields),
            *_card_fields("author"),
            *(f"resource__{name}" for name in RESOURCE_CARD_FIELDS),
        )
        .order_by("position")
    )


def post_get_visible(*, viewer: Viewer, post_id: int) -> Post:
    """A post the viewer may see, with its thread, board and author."""
    post = (
        Post.objects.select_related("thread__board", "author")
        .filter(pk=post_id)
        .filter(post_visibility_filter(viewer=viewer))
        .first()
    )
    if post is None or not policies.can_view_thread(viewer=viewer, thread=post.thread):
        raise Http404
    return post


def viewer_reactions(*, viewer: Viewer, post_ids: list[int]) -> dict[int, set[str]]:
    """The kinds of reaction the member gave, per post, for one page of posts (one query)."""
    if not viewer.is_authenticated or not post_ids:
        return {}
    mine: dict[int, set[str]] = {}
    for post_id, kind in Reaction.objects.filter(
        user_id=viewer.pk, post_id__in=post_ids
    ).values_list("post_id", "kind"):
        mine.setdefault(post_id, set()).add(kind)
    return mine


def _own_drafts(user_id: int) -> QuerySet[Draft]:
    """The member's own drafts. Whatever has happened to a board or a thread since (a moderator
    hid or rejected the opening post, the board closed to them), the words are the member's: no
    visibility rule applies to their own draft. No draft is None for a thread that does not
    exist and for one the member may not see alike, so the caller's 404 tells nothing."""
    return Draft.objects.filter(user_id=user_id).select_related("board", "thread")


def board_draft_find(*, user_id: int, slug: str) -> Draft | None:
    """The member's own draft of a new thread in the board ``slug``, or None."""
    return _own_drafts(user_id).filter(board__slug=slug, thread__isnull=True).first()


def reply_draft_find(*, user_id: int, thread_id: int) -> Draft | None:
    """The member's own draft of a reply in thread ``thread_id``, or None."""
    return _own_drafts(user_id).filter(thread_id=thread_id, board__isnull=True).first()


# --- Whether a viewer may open a post now: the rule notifications follow --------------------


def post_readable_filter(*, viewer: Viewer) -> Q:
    """Posts whose words this viewer may open now, as a condition on a post query: what
    ``post_get_visible`` finds, less the placeholders of withdrawn posts. Urgent posts and
    threads opened in crisis follow ``MODERATION_CRISIS_VISIBILITY``. No query of its own."""
    if policies.is_moderator(viewer):
        return Q()
    readable = post_visibility_filter(viewer=viewer) & thread_crisis_filter(
        viewer=viewer, thread_id="thread_id"
    )
    text = Q(state=PostState.PUBLISHED)
    thread_open = Q(thread__state=PostState.PUBLISHED)
    if viewer.is_authenticated:
        text |= Q(author_id=viewer.pk)
        thread_open |= Q(thread__author_id=viewer.pk)
    else:
        readable &= Q(thread__board__visibility=BoardVisibility.PUBLIC)
    return readable & text & thread_open


def _can_open(*, viewer: Viewer, post: Post) -> bool:
    """``post_readable_filter`` for a post already loaded with its thread and board."""
    if not policies.can_view_thread(viewer=viewer, thread=post.thread):
        return False  # crisis threads included: the thread mirrors its opening post
    if not policies.can_see_post_text(viewer=viewer, post=post):
        return False
    own_post = viewer.is_authenticated and post.author_id == viewer.pk
    return own_post or not post.is_urgent or not policies.urgent_hidden_from(viewer=viewer)


def post_pairs_readable(*, pairs: list[tuple[User, int]]) -> set[tuple[int, int]]:
    """Which of these (member, post id) pairs name a post the member may open now, as
    (member id, post id); the same rule as ``post_readable_filter``. One query for any
    number of pairs (members come loaded); a post that no longer exists is no one's."""
    post_ids = {post_id for _, post_id in pairs}
    if not post_ids:
        return set()
    posts = Post.objects.filter(pk__in=post_ids).select_related("thread__board")
    found = {post.pk: post for post in posts.defer("body_source", "body_html")}
    return {
        (viewer.pk, post_id)
        for viewer, post_id in pairs
        if post_id in found and _can_open(viewer=viewer, post=found[post_id])
    }


def posts_written_by(*, user_id: int) -> QuerySet[Post]:
    """Everything a member wrote, in every state, with its thread and board: their words are
    theirs to see whatever happened to them. Keyset-paginated on (created_at, id)
    descending, read from the author index."""
    return (
        Post.objects.filter(author_id=user_id)
        .select_related("thread__board")
        .only(
            *(f.name for f in Post._meta.concrete_fields),
            *(f"thread__{f.name}" for f in Thread._meta.concrete_fields),
            "thread__board__slug",
            "thread__board__visibility",
        )
        .order_by("-created_at", "-id")
    )
