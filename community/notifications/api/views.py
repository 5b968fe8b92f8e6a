from dataclasses import asdict
from typing import Any, cast
from zoneinfo import available_timezones

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import NotSuspended
from accounts.api.serializers import author_card
from accounts.models import User
from community.forum.policies import can_see_author
from community.notifications import inbox, preferences
from community.notifications.kinds import Delivery, Kind
from community.notifications.models import Notification
from config.api.fields import BooleanField, ClosedSerializer, IntegerField
from config.api.pagination import KeysetPagination


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    description = serializers.CharField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    default = serializers.ChoiceField(choices=Delivery.choices)
    urgent = BooleanField(help_text="Urgent alerts are always emailed at once.")


class PreferencesSerializer(serializers.Serializer):
    kinds = KindPreferenceSerializer(many=True)
    include_post_text = BooleanField()
    timezone = serializers.CharField()


KindDeliveriesSerializer = type(
    "KindDeliveriesSerializer",
    (ClosedSerializer,),
    {
        "__doc__": 'Kind to delivery, e.g. {"mention": "daily"}: only the kinds to change.',
        **{
            kind: serializers.ChoiceField(choices=Delivery.choices, required=False)
            for kind in Kind.values
        },
    },
)


class PreferencesUpdateSerializer(ClosedSerializer):
    kinds = KindDeliveriesSerializer(required=False)
    include_post_text = BooleanField(required=False)
    timezone = serializers.ChoiceField(
        choices=sorted(available_timezones()),
        required=False,
        help_text="A time zone name such as Europe/London (digests come at 07:00 there).",
    )


class NotificationPreferencesView(APIView):
    """How the signed-in member is told about each kind of notification."""

    # A kind this member does not receive, or an urgent alert not sent at once.
    declared_refusals = {"patch": {"422"}}

    permission_classes = [permissions.IsAuthenticated, NotSuspended]

    @extend_schema(responses=PreferencesSerializer, operation_id="notification_preferences")
    def get(self, request: Request) -> Response:
        prefs = preferences.preferences_get(user=cast(User, request.user))
        return Response(PreferencesSerializer(asdict(prefs)).data)

    @extend_schema(
        request=PreferencesUpdateSerializer,
        responses=PreferencesSerializer,
        operation_id="notification_preferences_update",
    )
    def patch(self, request: Request) -> Response:
        serializer = PreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        prefs = preferences.preferences_update(user=cast(User, request.user), **data)
        return Response(PreferencesSerializer(asdict(prefs)).data)


class NotificationSerializer(serializers.Serializer):
    """One notification. Who acted is null when they posted anonymously (to all but moderators)."""

    id = IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    actor = serializers.SerializerMethodField()
    board = serializers.SlugField(source="board.slug", allow_null=True, default=None)
    thread = IntegerField(source="thread_id", allow_null=True)
    thread_title = serializers.CharField(source="thread.title", allow_null=True, default=None)
    post = IntegerField(source="post_id", allow_null=True)
    details = serializers.DictField(source="data", help_text="Extras of the kind, e.g. a reason.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_actor(self, notification: Notification) -> dict[str, Any] | None:
        recipient: User = self.context["recipient"]
        post = notification.post
        if post is not None and not can_see_author(viewer=recipient, post=post):
            return None
        return author_card(notification.actor)


class UnreadCountSerializer(serializers.Serializer):
    unread = IntegerField()


class NotificationViewSet(viewsets.GenericViewSet):
    """The signed-in member's notifications."""

    permission_classes = [permissions.IsAuthenticated, NotSuspended]
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    lookup_value_regex = "[0-9]+"

    def list(self, request: Request) -> Response:
        recipient = cast(User, request.user)
        paginator = KeysetPagination(keys=("id",), descending=True)
        page = paginator.paginate_queryset(
            inbox.notification_list_for(recipient=recipient), request, view=self
        )
        data = NotificationSerializer(page, many=True, context={"recipient": recipient}).data
        return paginator.get_paginated_response(data)

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": inbox.unread_count(recipient=cast(User, request.user))})

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        inbox.notification_mark_read(recipient=cast(User, request.user), notification_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=UnreadCountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        recipient = cast(User, request.user)
        inbox.notifications_mark_all_read(recipient=recipient)
        return Response({"unread": inbox.unread_count(recipient=recipient)})
