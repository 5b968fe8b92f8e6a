"""Shapes of members' flags: what a member sends and gets back, and the moderators' queue."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import AuthorCardSerializer, author_card
from accounts.models import Role, TrustLevel
from community.forum.models import Post, PostState
from community.moderation.models import Flag, FlagReason, FlagState
from community.moderation.selectors import reason_counts
from config.api.fields import BooleanField, IntegerField, StrictCharField

NOTE_MAX = 1000


def _note() -> StrictCharField:
    return StrictCharField(
        max_length=NOTE_MAX, required=False, allow_blank=True, default="", trim_whitespace=False
    )


# --- input ------------------------------------------------------------------------------------
class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = _note()


class FlagResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[(FlagState.UPHELD, "Upheld"), (FlagState.DISMISSED, "Dismissed")],
        help_text="upheld: the post stays (or becomes) hidden; dismissed: a post hidden by "
        "flags is published again.",
    )
    note = _note()


# --- output -----------------------------------------------------------------------------------
class FlagSerializer(serializers.Serializer):
    """A member's own flag."""

    id = IntegerField()
    post = IntegerField(source="post_id")
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField()
    state = serializers.ChoiceField(choices=FlagState.choices)
    created_at = serializers.DateTimeField()


class FlaggerSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    trust_level = serializers.ChoiceField(choices=TrustLevel.choices)


class QueuedFlagSerializer(serializers.Serializer):
    """One open flag, with the text as the member saw it when they reported it."""

    id = IntegerField()
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField()
    snapshot = serializers.CharField()
    created_at = serializers.DateTimeField()
    flagger = FlaggerSerializer()


class ReasonCountsSerializer(serializers.Serializer):
    spam = IntegerField()
    abuse = IntegerField()
    misinformation = IntegerField()
    crisis = IntegerField()
    off_topic = IntegerField()
    other = IntegerField()


class FlaggedPostSerializer(serializers.Serializer):
    """The post as it is now, for moderators (author named even on anonymous posts)."""

    id = IntegerField()
    thread = IntegerField(source="thread_id")
    thread_title = serializers.CharField(source="thread.title")
    board = serializers.SlugField(source="thread.board.slug")
    position = IntegerField()
    state = serializers.ChoiceField(choices=PostState.choices)
    is_urgent = BooleanField()
    is_anonymous = BooleanField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    body_source = serializers.CharField()
    author = serializers.SerializerMethodField()

    @extend_schema_field(AuthorCardSerializer())
    def get_author(self, post: Post) -> dict[str, Any] | None:
        return author_card(post.author)


class FlagQueueItemSerializer(serializers.Serializer):
    """A post with open flags: counts per reason and every open flag, oldest first."""

    post = FlaggedPostSerializer(source="*")
    crisis = serializers.SerializerMethodField(
        help_text="Urgent, or flagged as someone possibly in crisis: listed first."
    )
    open_flags = serializers.SerializerMethodField(help_text="How many reports are open.")
    first_flagged_at = serializers.DateTimeField()
    reasons = serializers.SerializerMethodField()
    flags = QueuedFlagSerializer(many=True, source="open_flag_list")

    def get_open_flags(self, post: Post) -> int:
        return len(post.open_flag_list)  # type: ignore[attr-defined]

    def get_crisis(self, post: Post) -> bool:
        return bool(post.queue_rank == 0)  # type: ignore[attr-defined]

    @extend_schema_field(ReasonCountsSerializer())
    def get_reasons(self, post: Post) -> dict[str, int]:
        flags: list[Flag] = post.open_flag_list  # type: ignore[attr-defined]
        return reason_counts(flags)


class ResolvedPostSerializer(serializers.Serializer):
    id = IntegerField()
    state = serializers.ChoiceField(choices=PostState.choices)


class FlagResolutionSerializer(serializers.Serializer):
    changed = BooleanField(
        help_text="False when no flag was open any more: nothing was changed or recorded."
    )
    resolved = IntegerField(help_text="How many open flags this closed.")
    post = ResolvedPostSerializer()
