"""Flags: members report posts; moderators read the flag queue and resolve a post's flags. A
suspended moderator may read the queue but resolve nothing (403 ``suspended``): see
``policies``."""

import base64
import binascii
import json
from typing import Any, cast

from django.db.models import DateTimeField, Field, IntegerField, Model, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from community.forum.models import Post
from community.moderation import selectors
from community.moderation.api import flag_serializers as s
from community.moderation.api.permissions import ModeratorsOnly
from community.moderation.policies import Page
from community.moderation.services import flags
from config.api.errors import ApiError
from config.api.pagination import KeysetPagination


def _invalid_cursor() -> ApiError:
    return ApiError("This page link is not valid.", code="invalid_cursor", fields={})


class FlagQueuePagination(KeysetPagination):
    """Keyset pages over the queue's computed order (rank, first flag, id): the keys are
    annotations, so cursors are compared with plain filters instead of table columns."""

    keys = ("queue_rank", "first_flagged_at", "id")
    descending = False
    _fields: dict[str, "Field[Any, Any]"] = {
        "queue_rank": IntegerField(),
        "first_flagged_at": DateTimeField(),
        "id": IntegerField(),
    }

    def _decode(self, model: type[Model], token: str) -> tuple[list[Any], str]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            direction, values = data["d"], data["v"]
            if direction not in ("next", "prev") or len(values) != len(self.keys):
                raise ValueError(direction)
            if any(value is None for value in values):
                raise ValueError("a cursor never holds null")
            decoded = [
                self._fields[key].to_python(value)
                for key, value in zip(self.keys, values, strict=True)
            ]
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
            raise _invalid_cursor() from exc
        except Exception as exc:  # a field's to_python refusing the value
            raise _invalid_cursor() from exc
        return decoded, direction

    def _after(self, queryset: QuerySet[Any], values: list[Any], *, forward: bool) -> QuerySet[Any]:
        op = "lt" if self.descending == forward else "gt"
        condition = Q()
        for i, key in enumerate(self.keys):
            equal = {self.keys[j]: values[j] for j in range(i)}
            condition |= Q(**equal, **{f"{key}__{op}": values[i]})
        return queryset.filter(condition)


class PostFlagViewSet(viewsets.GenericViewSet):
    """Members report a post to the moderators."""

    queryset = Post.objects.none()  # describes the path parameter; writes go through services
    serializer_class = s.FlagSerializer
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        request=s.FlagCreateSerializer,
        responses={
            201: s.FlagSerializer,
            200: OpenApiResponse(
                s.FlagSerializer,
                description="You had already reported this post: your open report, unchanged.",
            ),
        },
        description=(
            "Report a post you can see (not your own). The post's text is kept as it is now. "
            "One open report per member and post: sending it again answers 200 with the "
            "report you made and changes nothing."
        ),
    )
    @action(detail=True, methods=["post"])
    def flags(self, request: Request, pk: str) -> Response:
        serializer = s.FlagCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = flags.flag_create(
            flagger=request.user,
            post_id=int(pk),
            reason=serializer.validated_data["reason"],
            note=serializer.validated_data["note"],
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.FlagSerializer(result.flag).data, status=code)


class FlagQueueViewSet(viewsets.GenericViewSet):
    """The moderators' flag queue."""

    permission_classes = [ModeratorsOnly]
    moderation_page = Page.FLAGS
    queryset = Post.objects.none()
    serializer_class = s.FlagQueueItemSerializer
    pagination_class = FlagQueuePagination

    @extend_schema(
        responses=s.FlagQueueItemSerializer(many=True),
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        description=(
            "Posts with open flags: urgent and crisis-flagged first, then the one waiting "
            "longest. Moderators only (404 for everyone else)."
        ),
    )
    def list(self, request: Request) -> Response:
        paginator = FlagQueuePagination()
        page = paginator.paginate_queryset(
            selectors.flag_queue_for(viewer=request.user), request, view=self
        )
        return paginator.get_paginated_response(s.FlagQueueItemSerializer(page, many=True).data)


class PostFlagResolveViewSet(viewsets.GenericViewSet):
    """Moderators close a post's open flags."""

    permission_classes = [ModeratorsOnly]
    moderation_page = Page.FLAGS
    queryset = Post.objects.none()
    serializer_class = s.FlagResolutionSerializer
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        request=s.FlagResolveSerializer,
        responses=s.FlagResolutionSerializer,
        description=(
            "Upheld: the post stays (or becomes) hidden. Dismissed: a post hidden by flags is "
            "published again. With no open flag left, answers changed=false and records "
            "nothing. Moderators only (404 for everyone else)."
        ),
    )
    @action(detail=True, methods=["post"], url_path="flags/resolve", url_name="resolve")
    def resolve(self, request: Request, pk: str) -> Response:
        serializer = s.FlagResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = flags.flag_resolve(
            moderator=cast(User, request.user),
            post_id=int(pk),
            outcome=serializer.validated_data["outcome"],
            note=serializer.validated_data["note"],
        )
        body = {"changed": result.changed, "resolved": result.resolved, "post": result.post}
        return Response(s.FlagResolutionSerializer(body).data)
