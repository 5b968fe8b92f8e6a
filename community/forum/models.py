"""Boards, threads and posts, and what members attach to them.

Counters (``reply_count``, ``last_post_at``, ...) are denormalised for fast lists and kept by
the services under row locks, never by signals. Each is kept twice: over every published post
(what moderators see), and over the published posts nobody is kept from (``public_*``: not
urgent), so a viewer kept from urgent posts is never shown a count, a name or a time that
comes from one.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class BoardVisibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    MEMBERS = "members", "Signed-in members only"


class PostingPolicy(models.TextChoices):
    OPEN = "open", "Open"
    PREMODERATE_NEW = "premoderate_new", "Hold posts by new members"
    PREMODERATE_ALL = "premoderate_all", "Hold every post"


class PostState(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    HIDDEN = "hidden", "Hidden by moderators"
    WITHDRAWN = "withdrawn", "Withdrawn by its author"


@dataclass(frozen=True)
class Tally:
    """The names of one set of denormalised counters, on threads and on boards."""

    reply_count: str
    last_post_at: str
    last_poster: str
    last_post_anonymous: str
    last_position: str
    thread_count: str
    post_count: str
    board_last_post_at: str
    # Whether urgent posts count in it.
    urgent: bool

    @property
    def last_poster_id(self) -> str:
        return f"{self.last_poster}_id"

    def counted(self) -> Q:
        """The posts it counts, and the threads it lists (both mirror the same two fields)."""
        published = Q(state=PostState.PUBLISHED)
        return published if self.urgent else published & Q(is_urgent=False)


# Over every published post: what moderators see (everyone, when nobody is kept from them).
ALL_POSTS = Tally(
    reply_count="reply_count",
    last_post_at="last_post_at",
    last_poster="last_poster",
    last_post_anonymous="last_post_anonymous",
    last_position="last_published_position",
    thread_count="thread_count",
    post_count="post_count",
    board_last_post_at="last_post_at",
    urgent=True,
)
# Over published posts that are not urgent, in threads whose opening post is not.
PUBLIC_POSTS = Tally(
    reply_count="public_reply_count",
    last_post_at="public_last_post_at",
    last_poster="public_last_poster",
    last_post_anonymous="public_last_post_anonymous",
    last_position="public_last_position",
    thread_count="public_thread_count",
    post_count="public_post_count",
    board_last_post_at="public_last_post_at",
    urgent=False,
)


class ReactionKind(models.TextChoices):
    SUPPORT = "support", "Sending support"
    ME_TOO = "me_too", "Me too"
    HELPFUL = "helpful", "Helpful"


class SubscriptionLevel(models.TextChoices):
    WATCHING = "watching", "Watching"
    NORMAL = "normal", "Normal"
    MUTED = "muted", "Muted"


class Board(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    visibility = models.CharField(
        max_length=16, choices=BoardVisibility.choices, default=BoardVisibility.PUBLIC
    )
    posting_policy = models.CharField(
        max_length=20, choices=PostingPolicy.choices, default=PostingPolicy.PREMODERATE_NEW
    )
    allows_anonymous = models.BooleanField(
        default=False, help_text="Members may post here as “a member”."
    )
    is_archived = models.BooleanField(default=False, help_text="Readable, but closed to posts.")
    # Published threads and posts only; kept by the services.
    thread_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    last_post_at = models.DateTimeField(null=True, blank=True)
    # The same over what nobody is kept from: threads whose opening post is not urgent, and
    # their posts that are not.
    public_thread_count = models.PositiveIntegerField(default=0)
    public_post_count = models.PositiveIntegerField(default=0)
    public_last_post_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=BoardVisibility.values), name="forum_board_visibility"
            ),
            models.CheckConstraint(
                condition=Q(posting_policy__in=PostingPolicy.values), name="forum_board_policy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=150)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    is_anonymous = models.BooleanField(default=False)
    # Mirrors the state of the opening post: a thread is listed only when that is published.
    state = models.CharField(max_length=16, choices=PostState.choices, default=PostState.PENDING)
    # Mirrors the opening post's ``is_urgent``: the whole thread waits for a moderator.
    is_urgent = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Counters over published posts, kept by the services.
    reply_count = models.PositiveIntegerField(default=0)
    last_post_at = models.DateTimeField(default=timezone.now)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_post_anonymous = models.BooleanField(default=False)
    # The highest position given to any post, published or not (allocated under a row lock).
    last_position = models.PositiveIntegerField(default=0)
    # The highest position among published posts: what "read to the end" means.
    last_published_position = models.PositiveIntegerField(default=0)
    # The same counters over published posts that are not urgent (see the module's docstring).
    public_reply_count = models.PositiveIntegerField(default=0)
    public_last_post_at = models.DateTimeField(default=timezone.now)
    public_last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    public_last_post_anonymous = models.BooleanField(default=False)
    public_last_position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PostState.values), name="forum_thread_state"
            ),
        ]
        indexes = [
            # The thread list: pinned first, then most recent activity, keyset-paginated.
            models.Index(
                "board",
                models.F("is_pinned").desc(),
                models.F("last_post_at").desc(),
                models.F("id").desc(),
                name="forum_thread_listing",
                condition=Q(state=PostState.PUBLISHED),
            ),
            # The same for viewers kept from urgent posts, by the activity they may see.
            models.Index(
                "board",
                models.F("is_pinned").desc(),
                models.F("public_last_post_at").desc(),
                models.F("id").desc(),
                name="forum_thread_public_listing",
                condition=Q(state=PostState.PUBLISHED, is_urgent=False),
            ),
            models.Index(fields=["author", "-created_at"], name="forum_thread_author"),
        ]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    is_anonymous = models.BooleanField(default=False)
    position = models.PositiveIntegerField()
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body_source = models.TextField(max_length=20_000)
    body_html = models.TextField()
    # A library resource the post points to; the thread shows it as a card while it is
    # published.
    resource = models.ForeignKey(
        "resources.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=PostState.choices, default=PostState.PENDING)
    # A member may be in crisis (a crisis phrase or a crisis flag): moderators are alerted at
    # once, the post tops the queue, and it stays out of public view until a moderator clears it.
    is_urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Reaction counts, kept by the services with atomic increments.
    support_count = models.PositiveIntegerField(default=0)
    me_too_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="forum_post_position"),
            models.CheckConstraint(
                condition=Q(state__in=PostState.values), name="forum_post_state"
            ),
        ]
        indexes = [
            models.Index(
                fields=["thread", "position"],
                name="forum_post_published",
                condition=Q(state=PostState.PUBLISHED),
            ),
            # Where unread starts by time (a board mark, the unread window).
            models.Index(
                fields=["thread", "created_at"],
                name="forum_post_published_time",
                condition=Q(state=PostState.PUBLISHED),
            ),
            models.Index(fields=["author", "-created_at"], name="forum_post_author"),
            # The moderation queue in its order: urgent (crisis) posts first, then the
            # longest-waiting held posts; read from the index with no sort.
            models.Index(
                models.F("is_urgent").desc(),
                "created_at",
                "id",
                name="forum_post_queue",
                condition=Q(state="pending") | Q(state="published", is_urgent=True),
            ),
            models.Index(
                fields=["created_at"],
                name="forum_post_pending",
                condition=Q(state=PostState.PENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in thread {self.thread_id}"


class PostRevision(models.Model):
    """The text of a post before an edit; moderators can read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body_source = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["post", "-created_at"], name="forum_revision_post")]

    def __str__(self) -> str:
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="forum_mention_unique")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in post {self.post_id}"


class Reaction(models.Model):
    """Support, never ranking: counts are shown, nothing is sorted by them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="forum_reaction_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ReactionKind.values), name="forum_reaction_kind"
            ),
        ]
        indexes = [models.Index(fields=["user", "post"], name="forum_reaction_user")]

    def __str__(self) -> str:
        return f"{self.kind} on post {self.post_id}"


def _one_per_member_on_thread_or_board(*, prefix: str, either: str) -> list[models.BaseConstraint]:
    """Rows about exactly one thread or one board, at most one per member for each."""
    return [
        models.CheckConstraint(
            condition=(Q(thread__isnull=False) & Q(board__isnull=True))
            | (Q(thread__isnull=True) & Q(board__isnull=False)),
            name=either,
        ),
        models.UniqueConstraint(
            fields=["user", "thread"], condition=Q(thread__isnull=False), name=f"{prefix}_thread"
        ),
        models.UniqueConstraint(
            fields=["user", "board"], condition=Q(board__isnull=False), name=f"{prefix}_board"
        ),
    ]


class Subscription(models.Model):
    """A member's interest in one thread or one board."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    level = models.CharField(max_length=16, choices=SubscriptionLevel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *_one_per_member_on_thread_or_board(
                prefix="forum_subscription", either="forum_subscription_one_target"
            ),
            models.CheckConstraint(
                condition=Q(level__in=SubscriptionLevel.values), name="forum_subscription_level"
            ),
        ]
        indexes = [
            models.Index(
                fields=["thread", "level"],
                name="forum_subscription_watchers",
                condition=Q(thread__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        target = f"thread {self.thread_id}" if self.thread_id else f"board {self.board_id}"
        return f"{self.user_id} {self.level} {target}"


class Draft(models.Model):
    """What a member is typing, saved as they type: a new thread in a board, or a reply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=150, blank=True)
    body = models.TextField(max_length=20_000, blank=True)
    reply_to = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = _one_per_member_on_thread_or_board(
            prefix="forum_draft", either="forum_draft_one_context"
        )

    def __str__(self) -> str:
        return f"Draft by {self.user_id}"


class ReadState(models.Model):
    """How far a member has read a thread: the position of the last post they saw."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="forum_readstate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_position}"


class BoardReadMark(models.Model):
    """“Mark this board read”: everything posted in the board up to ``read_at`` counts as read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="read_marks")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "board"], name="forum_boardread_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read board {self.board_id} at {self.read_at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The first answer to a create that carried an ``Idempotency-Key``, replayed on retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=100)
    # A digest of what the first request asked for: the same key with other words is refused.
    request_digest = models.CharField(max_length=64, blank=True, default="")
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="forum_idempotency_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="forum_idempotency_age")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
