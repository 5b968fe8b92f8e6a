"""Output shapes of the forum, and the input each write accepts."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import AuthorCardSerializer, author_card
from accounts.models import User
from community.forum import policies
from community.forum.models import (
    Board,
    BoardVisibility,
    Post,
    PostingPolicy,
    PostState,
    ReactionKind,
    SubscriptionLevel,
    Tally,
    Thread,
)
from community.resources.models import ResourceState
from config.api.fields import BooleanField, ClosedSerializer, IntegerField, StrictCharField
from config.numbers import MAX_POSITION

ANONYMOUS_LABEL = "a member"


class ResourceCardSerializer(serializers.Serializer):
    """A resource as a post shows it: enough to recognise and open it."""

    id = IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    organisation = serializers.CharField()
    category = serializers.CharField()


def _tally(context: dict[str, Any]) -> Tally:
    """The tally the viewer is shown (``policies.tally_for``), worked out once a response."""
    if "tally" not in context:
        context["tally"] = policies.tally_for(viewer=context["viewer"])
    tally: Tally = context["tally"]
    return tally


class _Tallied:
    """Reads a counter from the tally the viewer is shown: the field's ``counter`` names it
    in ``Tally``."""

    counter: str
    context: dict[str, Any]

    def get_attribute(self, instance: Board | Thread) -> Any:
        return getattr(instance, getattr(_tally(self.context), self.counter))


class TalliedCount(_Tallied, IntegerField):
    def __init__(self, *, counter: str, **kwargs: Any) -> None:
        self.counter = counter
        super().__init__(**kwargs)


class TalliedTime(_Tallied, serializers.DateTimeField):
    def __init__(self, *, counter: str, **kwargs: Any) -> None:
        self.counter = counter
        super().__init__(**kwargs)


class _DecisionMixin(serializers.Serializer):
    moderation_reason = serializers.SerializerMethodField(
        help_text="Why a moderator turned it down or hid it: for its author (and moderators) "
        "while it is rejected or hidden; null otherwise, and when no reason was given."
    )

    def get_moderation_reason(self, obj: Post | Thread) -> str | None:
        reasons: dict[int, str] = self.context.get("reasons", {})
        return reasons.get(obj.pk)


class BoardSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    visibility = serializers.ChoiceField(choices=BoardVisibility.choices)
    posting_policy = serializers.ChoiceField(choices=PostingPolicy.choices)
    allows_anonymous = BooleanField()
    is_archived = BooleanField()
    thread_count = TalliedCount(counter="thread_count")
    post_count = TalliedCount(counter="post_count")
    last_post_at = TalliedTime(counter="board_last_post_at", allow_null=True)
    unread_threads = serializers.SerializerMethodField(
        help_text="Threads with posts you have not read; null when signed out."
    )
    can_start_thread = serializers.SerializerMethodField()

    def get_unread_threads(self, board: Board) -> int | None:
        unread: dict[int, int] | None = self.context.get("unread")
        if unread is None:
            return None
        return unread.get(board.pk, 0)

    def get_can_start_thread(self, board: Board) -> bool:
        user = self.context["viewer"]
        return isinstance(user, User) and not user.is_suspended() and not board.is_archived


class _AuthoredMixin(serializers.Serializer):
    author = serializers.SerializerMethodField()
    author_label = serializers.SerializerMethodField(
        help_text="The name to show: the display name, or “a member” for anonymous posts."
    )

    @extend_schema_field(AuthorCardSerializer(allow_null=True))
    def get_author(self, obj: Post | Thread) -> dict[str, Any] | None:
        if not policies.can_see_author(viewer=self.context["viewer"], post=obj):
            return None
        return author_card(obj.author)

    def get_author_label(self, obj: Post | Thread) -> str:
        if not policies.can_see_author(viewer=self.context["viewer"], post=obj):
            return ANONYMOUS_LABEL
        return obj.author.public_name


class ThreadSerializer(_AuthoredMixin, _DecisionMixin):
    id = IntegerField()
    board = serializers.SlugField(source="board.slug")
    title = serializers.CharField()
    is_anonymous = BooleanField()
    state = serializers.ChoiceField(choices=PostState.choices)
    is_pinned = BooleanField()
    is_locked = BooleanField()
    created_at = serializers.DateTimeField()
    reply_count = TalliedCount(counter="reply_count")
    last_post_at = TalliedTime(counter="last_post_at")
    last_poster = serializers.SerializerMethodField()
    unread_count = serializers.SerializerMethodField()
    can_reply = serializers.SerializerMethodField()

    @extend_schema_field(AuthorCardSerializer(allow_null=True))
    def get_last_poster(self, thread: Thread) -> dict[str, Any] | None:
        viewer = self.context["viewer"]
        tally = _tally(self.context)
        last_poster_id = getattr(thread, tally.last_poster_id)
        anonymous = getattr(thread, tally.last_post_anonymous) and not policies.is_moderator(viewer)
        if anonymous and not (viewer.is_authenticated and last_poster_id == viewer.pk):
            return None
        return author_card(getattr(thread, tally.last_poster))

    def get_unread_count(self, thread: Thread) -> int:
        return int(getattr(thread, "unread_count", 0) or 0)

    def get_can_reply(self, thread: Thread) -> bool:
        return policies.can_reply(user=self.context["viewer"], thread=thread)


class ThreadDetailSerializer(ThreadSerializer):
    read_position = IntegerField(source="viewer_state.read_position")
    first_unread_position = IntegerField(
        source="viewer_state.first_unread_position", allow_null=True
    )
    subscription = serializers.ChoiceField(
        source="viewer_state.subscription", choices=SubscriptionLevel.choices, allow_null=True
    )


class ReactionCountsSerializer(serializers.Serializer):
    support = IntegerField(source="support_count")
    me_too = IntegerField(source="me_too_count")
    helpful = IntegerField(source="helpful_count")


class CrisisResourceSerializer(serializers.Serializer):
    region = serializers.CharField()
    name = serializers.CharField()
    contact = serializers.CharField()
    url = serializers.CharField(allow_blank=True, help_text="Empty when there is no page.")


class PostSerializer(_AuthoredMixin, _DecisionMixin):
    """A post as the viewer may see it. Text of a post they may not read is null."""

    id = IntegerField()
    thread = IntegerField(source="thread_id")
    position = IntegerField()
    reply_to = IntegerField(source="reply_to_id", allow_null=True)
    is_anonymous = BooleanField()
    state = serializers.ChoiceField(choices=PostState.choices)
    body_html = serializers.SerializerMethodField()
    body_source = serializers.SerializerMethodField(
        help_text="The Markdown as written; only for its author (to edit) and moderators."
    )
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_edited = serializers.SerializerMethodField()
    reactions = ReactionCountsSerializer(source="*")
    my_reactions = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    can_withdraw = serializers.SerializerMethodField()
    can_react = serializers.SerializerMethodField()
    can_flag = serializers.SerializerMethodField()
    crisis_resources = serializers.SerializerMethodField(
        help_text="Helplines, shown to the author of a post that may be about a crisis "
        "(marked urgent), published or held; null for every other post and viewer."
    )
    resource = serializers.SerializerMethodField(
        help_text="The library resource the post points to, as a card; null when there is "
        "none, when it left the library, or when the viewer may not read the post."
    )

    def _thread(self, post: Post) -> Thread:
        thread: Thread = self.context.get("thread") or post.thread
        return thread

    def get_body_html(self, post: Post) -> str | None:
        if not policies.can_see_post_text(viewer=self.context["viewer"], post=post):
            return None
        return post.body_html

    def get_body_source(self, post: Post) -> str | None:
        viewer = self.context["viewer"]
        if policies.is_moderator(viewer) or (
            viewer.is_authenticated and post.author_id == viewer.pk
        ):
            return post.body_source
        return None

    def get_is_edited(self, post: Post) -> bool:
        return post.edited_at is not None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(ReactionKind.choices)))
    def get_my_reactions(self, post: Post) -> list[str]:
        mine: dict[int, set[str]] = self.context.get("my_reactions", {})
        return sorted(mine.get(post.pk, set()))

    def get_can_edit(self, post: Post) -> bool:
        return policies.can_edit(user=self.context["viewer"], post=post, thread=self._thread(post))

    def get_can_withdraw(self, post: Post) -> bool:
        return policies.can_withdraw(user=self.context["viewer"], post=post)

    def get_can_react(self, post: Post) -> bool:
        return policies.can_react(user=self.context["viewer"], post=post)

    def get_can_flag(self, post: Post) -> bool:
        return policies.can_flag(user=self.context["viewer"], post=post)

    @extend_schema_field(CrisisResourceSerializer(many=True, allow_null=True))
    def get_crisis_resources(self, post: Post) -> list[dict[str, str]] | None:
        return policies.crisis_resources_for(viewer=self.context["viewer"], post=post)

    @extend_schema_field(ResourceCardSerializer(allow_null=True))
    def get_resource(self, post: Post) -> dict[str, Any] | None:
        if post.resource_id is None:
            return None
        if not policies.can_see_post_text(viewer=self.context["viewer"], post=post):
            return None
        resource = post.resource
        if resource is None or resource.state != ResourceState.PUBLISHED:
            return None
        return dict(ResourceCardSerializer(resource).data)


class WrittenPostSerializer(_DecisionMixin):
    """One post in the list of everything a member wrote, in whatever state it is."""

    id = IntegerField()
    thread = IntegerField(source="thread_id")
    thread_title = serializers.SerializerMethodField(
        help_text="Null when you may no longer open the thread (its opening post was hidden "
        "or turned down); your post is still yours here."
    )
    board = serializers.SerializerMethodField(help_text="Null as for `thread_title`.")
    position = IntegerField()
    is_opening_post = serializers.SerializerMethodField()
    is_anonymous = BooleanField()
    state = serializers.ChoiceField(choices=PostState.choices)
    body_source = serializers.CharField()
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)

    def _opens(self, post: Post) -> bool:
        return policies.can_view_thread(viewer=self.context["viewer"], thread=post.thread)

    def get_thread_title(self, post: Post) -> str | None:
        return post.thread.title if self._opens(post) else None

    def get_board(self, post: Post) -> str | None:
        return post.thread.board.slug if self._opens(post) else None

    def get_is_opening_post(self, post: Post) -> bool:
        return post.position == 1


class PostCreatedSerializer(PostSerializer):
    """The author's view of the post just written, with what happens next."""

    notice = serializers.SerializerMethodField(
        help_text="Set when the post waits for a moderator: a sentence to show the author."
    )

    def get_notice(self, post: Post) -> str | None:
        if post.state == PostState.PENDING:
            return (
                "Thanks for posting. A moderator will look at it shortly; until then only "
                "you can see it."
            )
        return None


class ThreadCreatedSerializer(ThreadSerializer):
    opening_post = PostCreatedSerializer()


class RevisionSerializer(serializers.Serializer):
    body_source = serializers.CharField()
    edited_by = serializers.CharField(source="edited_by.username")
    created_at = serializers.DateTimeField()


# --- input ------------------------------------------------------------------------------
def _text(max_length: int, **kwargs: Any) -> StrictCharField:
    return StrictCharField(max_length=max_length, trim_whitespace=False, **kwargs)


class _BodyMixin(serializers.Serializer):
    body = _text(20_000)

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Write something before posting.")
        return value


class _ResourceMixin(serializers.Serializer):
    resource = IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The id of a published library resource to show with the post as a card.",
    )


class ThreadCreateSerializer(_BodyMixin, _ResourceMixin):
    title = StrictCharField(max_length=150)
    is_anonymous = BooleanField(default=False)


class PostCreateSerializer(_BodyMixin, _ResourceMixin):
    reply_to = IntegerField(required=False, allow_null=True, min_value=1)
    is_anonymous = BooleanField(default=False)


class PostEditSerializer(_BodyMixin):
    pass


class DraftSerializer(serializers.Serializer):
    title = serializers.CharField()
    body = serializers.CharField()
    reply_to = IntegerField(source="reply_to_id", allow_null=True)
    updated_at = serializers.DateTimeField()


class _DraftWriteSerializer(ClosedSerializer):
    """PUT replaces the draft and needs the fields it replaces; PATCH changes the fields it
    names and needs at least one. Neither empties a field it does not name; DELETE clears."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.partial and not attrs:
            names = ", ".join(self.fields)
            raise serializers.ValidationError(f"Name at least one field to change: {names}.")
        return attrs


class BoardDraftWriteSerializer(_DraftWriteSerializer):
    """A new thread being written in a board."""

    title = _text(150, allow_blank=True)
    body = _text(20_000, allow_blank=True)


class ReplyDraftWriteSerializer(_DraftWriteSerializer):
    """A reply being written in a thread (a reply has no title)."""

    body = _text(20_000, allow_blank=True)
    reply_to = IntegerField(required=False, allow_null=True, min_value=1)


class SubscriptionSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=SubscriptionLevel.choices)


class ReadMarkSerializer(serializers.Serializer):
    position = IntegerField(min_value=0, max_value=MAX_POSITION)
