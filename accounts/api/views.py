from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.permissions import NotSuspended
from accounts.api.serializers import MemberSerializer, MeSerializer, MeUpdateSerializer
from accounts.models import User


class MeView(APIView):
    """The signed-in member's own account and profile."""

    permission_classes = [permissions.IsAuthenticated, NotSuspended]

    @extend_schema(responses=MeSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        user = selectors.me_get(user_id=cast(User, request.user).pk)
        return Response(MeSerializer(user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer, operation_id="me_update")
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        profile = data.pop("profile", {})
        member = cast(User, request.user)
        services.me_update(user=member, account=data, profile=profile)
        return Response(MeSerializer(selectors.me_get(user_id=member.pk)).data)


class MemberViewSet(viewsets.GenericViewSet):
    """Members' public profiles, each field as far as its owner lets this viewer see it."""

    lookup_field = "username"
    lookup_value_regex = "[^/]+"
    serializer_class = MemberSerializer

    def retrieve(self, request: Request, username: str) -> Response:
        member = selectors.member_get_visible(username=username)
        return Response(MemberSerializer(member, context={"viewer": request.user}).data)
