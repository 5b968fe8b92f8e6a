from dataclasses import asdict
from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import NotSuspended
from accounts.models import User
from community.notifications import preferences
from community.notifications.kinds import Delivery, Kind


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    description = serializers.CharField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    default = serializers.ChoiceField(choices=Delivery.choices)
    urgent = serializers.BooleanField(help_text="Urgent alerts are always emailed at once.")


class PreferencesSerializer(serializers.Serializer):
    kinds = KindPreferenceSerializer(many=True)
    include_post_text = serializers.BooleanField()
    timezone = serializers.CharField()


class PreferencesUpdateSerializer(serializers.Serializer):
    kinds = serializers.DictField(
        child=serializers.CharField(max_length=10),
        required=False,
        help_text='Kind to delivery, e.g. {"mention": "daily"}.',
    )
    include_post_text = serializers.BooleanField(required=False)
    timezone = serializers.CharField(max_length=64, required=False)


class NotificationPreferencesView(APIView):
    """How the signed-in member is told about each kind of notification."""

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
