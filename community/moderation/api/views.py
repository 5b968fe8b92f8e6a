"""The moderation API: the queue, the audit log and the verbs. Moderators and admins only; to
everyone else these endpoints do not exist (404). A suspended moderator may use none of them
(403 ``suspended``): see ``policies``.

Each verb validates its input, calls one service and answers the new state with ``changed``.
"""

import operator
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts.models import User
from community.forum.models import Board, Post, Thread
from community.moderation import selectors, services
from community.moderation.api import serializers as s
from community.moderation.api.permissions import ModeratorsOnly
from community.moderation.models import ModerationAction
from community.moderation.policies import Page
from config.api.errors import ApiError
from config.api.pagination import KeysetPagination
from config.numbers import client_int

PAGE_PARAMETERS = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


class QueuePagination(KeysetPagination):
    """Keyset pagination on keys that sort in different directions: urgent first, then the
    oldest. Rows after a cursor are those after it on the first key that differs."""

    keys = selectors.QUEUE_KEYS
    descending_keys: tuple[bool, ...] = selectors.QUEUE_DESCENDING

    def _ordering(self, *, forward: bool) -> list[str]:
        return [
            f"{'-' if desc == forward else ''}{key}"
            for key, desc in zip(self.keys, self.descending_keys, strict=True)
        ]

    def _after(self, queryset: QuerySet[Any], values: list[Any], *, forward: bool) -> QuerySet[Any]:
        branches: list[Q] = []
        same = Q()
        for key, desc, value in zip(self.keys, self.descending_keys, values, strict=True):
            lookup = "lt" if desc == forward else "gt"
            branches.append(same & Q(**{f"{key}__{lookup}": value}))
            same &= Q(**{key: value})
        return queryset.filter(reduce(operator.or_, branches))

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        # Order and cut on the post table alone (a narrow sort of the waiting posts), then load
        # the page's rows with their joins: two queries at any queue length, each one cheap.
        page = super().paginate_queryset(
            queryset.select_related(None).only(*self.keys), request, view
        )
        loaded = queryset.in_bulk([row.pk for row in page])
        self.rows = [loaded[row.pk] for row in page if row.pk in loaded]
        return self.rows


def _validated(serializer_class: type[Any], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _answer(serializer_class: type[Any], result: services.Result[Any]) -> Response:
    return Response(serializer_class(result.obj, context={"changed": result.changed}).data)


def _id(pk: str) -> int:
    value = client_int(pk)
    if value is None:
        raise Http404
    return value


class QueueViewSet(viewsets.GenericViewSet):
    """Posts waiting for a moderator: crisis posts first, then the longest waiting."""

    permission_classes = [ModeratorsOnly]
    moderation_page = Page.QUEUE
    serializer_class = s.QueueItemSerializer
    pagination_class = QueuePagination
    queryset = Post.objects.none()

    @extend_schema(parameters=PAGE_PARAMETERS)
    def list(self, request: Request) -> Response:
        paginator = QueuePagination()
        page = paginator.paginate_queryset(selectors.queue_list(), request, view=self)
        data = s.QueueItemSerializer(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(data)


class ActionViewSet(viewsets.GenericViewSet):
    """The audit log of every moderator verb, newest first. Read-only, as the log is."""

    permission_classes = [ModeratorsOnly]
    moderation_page = Page.AUDIT_LOG
    serializer_class = s.ActionSerializer
    pagination_class = KeysetPagination
    queryset = ModerationAction.objects.none()

    @extend_schema(parameters=PAGE_PARAMETERS)
    def list(self, request: Request) -> Response:
        paginator = KeysetPagination(keys=selectors.ACTION_KEYS, descending=True)
        page = paginator.paginate_queryset(selectors.action_list(), request, view=self)
        return paginator.get_paginated_response(s.ActionSerializer(page, many=True).data)


_POST_VERB = extend_schema(request=None, responses=s.ModeratedPostSerializer)
_POST_VERB_WITH_REASON = extend_schema(
    request=s.ReasonSerializer, responses=s.ModeratedPostSerializer
)


class PostModerationViewSet(viewsets.GenericViewSet):
    """Approve, reject, hide and restore a post; clear its urgent mark."""

    permission_classes = [ModeratorsOnly]
    serializer_class = s.ModeratedPostSerializer
    queryset = Post.objects.none()
    lookup_value_regex = "[0-9]+"

    @_POST_VERB
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        result = services.post_approve(moderator=request.user, post_id=_id(pk))
        return _answer(s.ModeratedPostSerializer, result)

    @extend_schema(request=s.RejectSerializer, responses=s.ModeratedPostSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = _validated(s.RejectSerializer, request)
        result = services.post_reject(moderator=request.user, post_id=_id(pk), **data)
        return _answer(s.ModeratedPostSerializer, result)

    @_POST_VERB_WITH_REASON
    @action(detail=True, methods=["post"])
    def hide(self, request: Request, pk: str) -> Response:
        data = _validated(s.ReasonSerializer, request)
        result = services.post_hide(moderator=request.user, post_id=_id(pk), **data)
        return _answer(s.ModeratedPostSerializer, result)

    @_POST_VERB
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        result = services.post_restore(moderator=request.user, post_id=_id(pk))
        return _answer(s.ModeratedPostSerializer, result)

    @_POST_VERB_WITH_REASON
    @action(detail=True, methods=["post"], url_path="clear-urgent")
    def clear_urgent(self, request: Request, pk: str) -> Response:
        data = _validated(s.ReasonSerializer, request)
        result = services.post_clear_urgent(moderator=request.user, post_id=_id(pk), **data)
        return _answer(s.ModeratedPostSerializer, result)


_THREAD_VERB = extend_schema(request=None, responses=s.ModeratedThreadSerializer)


class ThreadModerationViewSet(viewsets.GenericViewSet):
    """Lock, unlock, pin, unpin and move a thread."""

    # A board that is not there: well formed, refused by what it names.
    declared_refusals = {"move": {"422"}}

    permission_classes = [ModeratorsOnly]
    serializer_class = s.ModeratedThreadSerializer
    queryset = Thread.objects.none()
    lookup_value_regex = "[0-9]+"

    @_THREAD_VERB
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str) -> Response:
        result = services.thread_lock(moderator=request.user, thread_id=_id(pk))
        return _answer(s.ModeratedThreadSerializer, result)

    @_THREAD_VERB
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str) -> Response:
        result = services.thread_unlock(moderator=request.user, thread_id=_id(pk))
        return _answer(s.ModeratedThreadSerializer, result)

    @_THREAD_VERB
    @action(detail=True, methods=["post"])
    def pin(self, request: Request, pk: str) -> Response:
        result = services.thread_pin(moderator=request.user, thread_id=_id(pk))
        return _answer(s.ModeratedThreadSerializer, result)

    @_THREAD_VERB
    @action(detail=True, methods=["post"])
    def unpin(self, request: Request, pk: str) -> Response:
        result = services.thread_unpin(moderator=request.user, thread_id=_id(pk))
        return _answer(s.ModeratedThreadSerializer, result)

    @extend_schema(request=s.MoveSerializer, responses=s.ModeratedThreadSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        data = _validated(s.MoveSerializer, request)
        board_id = Board.objects.filter(slug=data["board"]).values_list("pk", flat=True).first()
        if board_id is None:
            raise ApiError(
                "There is no board with that slug.",
                code="invalid",
                status_code=422,
                fields={"board": ["There is no board with that slug."]},
            )
        result = services.thread_move(moderator=request.user, thread_id=_id(pk), board_id=board_id)
        return _answer(s.ModeratedThreadSerializer, result)


_MEMBER_VERB = extend_schema(request=None, responses=s.ModeratedMemberSerializer)


class MemberModerationViewSet(viewsets.GenericViewSet):
    """Suspend and lift, verify a clinician, set trust: a member addressed by pseudonym."""

    # An end date already past: well formed, refused by the clock.
    declared_refusals = {"suspend": {"422"}, "verify_clinician": {"422"}}

    permission_classes = [ModeratorsOnly]
    serializer_class = s.ModeratedMemberSerializer
    queryset = User.objects.none()
    lookup_field = "username"
    lookup_value_regex = "[^/]+"

    def _member_id(self, username: str) -> int:
        return account_selectors.member_get_visible(username=username).pk

    @extend_schema(request=s.SuspendSerializer, responses=s.ModeratedMemberSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, username: str) -> Response:
        user_id = self._member_id(username)
        data = _validated(s.SuspendSerializer, request)
        result = services.member_suspend(moderator=request.user, user_id=user_id, **data)
        return _answer(s.ModeratedMemberSerializer, result)

    @_MEMBER_VERB
    @action(detail=True, methods=["post"], url_path="lift-suspension")
    def lift_suspension(self, request: Request, username: str) -> Response:
        user_id = self._member_id(username)
        result = services.member_lift_suspension(moderator=request.user, user_id=user_id)
        return _answer(s.ModeratedMemberSerializer, result)

    @extend_schema(request=s.VerifyClinicianSerializer, responses=s.ModeratedMemberSerializer)
    @action(detail=True, methods=["post"], url_path="verify-clinician")
    def verify_clinician(self, request: Request, username: str) -> Response:
        user_id = self._member_id(username)
        data = _validated(s.VerifyClinicianSerializer, request)
        result = services.member_verify_clinician(
            moderator=request.user, user_id=user_id, expires_at=data["expires_at"]
        )
        return _answer(s.ModeratedMemberSerializer, result)

    @extend_schema(request=s.TrustSerializer, responses=s.ModeratedMemberSerializer)
    @action(detail=True, methods=["post"])
    def trust(self, request: Request, username: str) -> Response:
        user_id = self._member_id(username)
        data = _validated(s.TrustSerializer, request)
        result = services.member_set_trust(
            moderator=request.user, user_id=user_id, trust_level=data["trust_level"]
        )
        return _answer(s.ModeratedMemberSerializer, result)
