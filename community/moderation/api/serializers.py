"""What moderators send to the moderation API, and what it answers."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import AuthorCardSerializer, ClinicianBadgeSerializer, author_card
from accounts.models import Role, TrustLevel, User
from community.forum.models import Post, PostState, Thread
from community.moderation.models import ModerationAction, Verb
from community.moderation.services import REASON_MAX_LENGTH
from config.api.fields import BooleanField, IntegerField, StrictCharField

# --- input -------------------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="Sent to the author.",
    )


class RejectSerializer(serializers.Serializer):
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH,
        help_text="Sent to the author: why the post was not approved, and what they can do.",
    )


class MoveSerializer(serializers.Serializer):
    board = serializers.SlugField(help_text="The slug of the board to move the thread to.")


class SuspendSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="When the suspension ends; in the future.")
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, help_text="Sent to the member.")


class VerifyClinicianSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the badge lapses and must be checked again; null for never.",
    )


class TrustSerializer(serializers.Serializer):
    trust_level = serializers.ChoiceField(choices=TrustLevel.choices)


# --- output ------------------------------------------------------------------------------------


class _ChangedMixin(serializers.Serializer):
    changed = serializers.SerializerMethodField(
        help_text="Whether this request changed anything (false: it was already so)."
    )

    def get_changed(self, obj: Any) -> bool:
        return bool(self.context["changed"])


class ModeratedPostSerializer(_ChangedMixin):
    id = IntegerField()
    thread = IntegerField(source="thread_id")
    position = IntegerField()
    state = serializers.ChoiceField(choices=PostState.choices)
    is_urgent = BooleanField()


class ModeratedThreadSerializer(_ChangedMixin):
    id = IntegerField()
    board = serializers.SlugField(source="board.slug")
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=PostState.choices)
    is_pinned = BooleanField()
    is_locked = BooleanField()
    reply_count = IntegerField()


class ModeratedMemberSerializer(_ChangedMixin):
    """A member as moderators manage them; never the login email."""

    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    trust_level = serializers.ChoiceField(choices=TrustLevel.choices)
    trust_changed_at = serializers.DateTimeField()
    suspended_until = serializers.DateTimeField(allow_null=True)
    is_suspended = serializers.SerializerMethodField()
    clinician = serializers.SerializerMethodField()

    def get_is_suspended(self, member: User) -> bool:
        return member.is_suspended()

    @extend_schema_field(ClinicianBadgeSerializer(allow_null=True))
    def get_clinician(self, member: User) -> dict[str, Any] | None:
        if not member.has_valid_clinician_badge():
            return None
        return ClinicianBadgeSerializer(
            {"verified_at": member.clinician_verified_at, "expires_at": member.clinician_expires_at}
        ).data


class QueueAuthorSerializer(AuthorCardSerializer):
    trust_level = serializers.ChoiceField(choices=TrustLevel.choices)
    date_joined = serializers.DateTimeField()


class QueueBoardSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class QueueThreadSerializer(serializers.Serializer):
    id = IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=PostState.choices)


class QueueItemSerializer(serializers.Serializer):
    """A post waiting for a moderator, with what they need to decide in one look. Moderators
    always see who wrote it, anonymous or not."""

    id = IntegerField()
    state = serializers.ChoiceField(choices=PostState.choices)
    is_urgent = BooleanField()
    is_anonymous = BooleanField()
    is_opening_post = serializers.SerializerMethodField(
        help_text="Approving it publishes the whole thread."
    )
    position = IntegerField()
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()
    waiting_seconds = serializers.SerializerMethodField(help_text="How long it has waited.")
    author = serializers.SerializerMethodField()
    thread = QueueThreadSerializer()
    board = QueueBoardSerializer(source="thread.board")

    def get_is_opening_post(self, post: Post) -> bool:
        return post.position == 1

    def get_waiting_seconds(self, post: Post) -> int:
        now: datetime = self.context.get("now") or timezone.now()
        return max(0, int((now - post.created_at).total_seconds()))

    @extend_schema_field(QueueAuthorSerializer)
    def get_author(self, post: Post) -> dict[str, Any]:
        author = post.author
        card = author_card(author) or {}
        return {
            **card,
            "trust_level": author.trust_level,
            "date_joined": serializers.DateTimeField().to_representation(author.date_joined),
        }


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(source="public_name")
    role = serializers.ChoiceField(choices=Role.choices)


class ActionSerializer(serializers.Serializer):
    """One line of the audit log. ``actor`` is null when the system acted (e.g. automatic
    trust, a post hidden by members' flags)."""

    id = IntegerField()
    verb = serializers.ChoiceField(choices=Verb.choices)
    description = serializers.CharField(source="get_verb_display")
    actor = PersonSerializer(allow_null=True)
    target_user = PersonSerializer(allow_null=True)
    post = IntegerField(source="post_id", allow_null=True)
    thread = IntegerField(source="thread_id", allow_null=True)
    thread_title = serializers.SerializerMethodField()
    resource = IntegerField(source="resource_id", allow_null=True)
    resource_title = serializers.SerializerMethodField()
    reason = serializers.CharField()
    details = serializers.DictField(
        source="data", help_text="What changed, e.g. the boards of a move."
    )
    created_at = serializers.DateTimeField()

    def get_thread_title(self, action: ModerationAction) -> str | None:
        thread: Thread | None = action.thread
        return thread.title if thread is not None else None

    def get_resource_title(self, action: ModerationAction) -> str | None:
        return action.resource.title if action.resource is not None else None
