"""The forum's endpoints: validate, fetch through a selector, call one service, render."""

from collections.abc import Callable
from typing import Any, cast

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import NotSuspended
from accounts.models import User
from community.forum import policies, selectors
from community.forum.api import serializers as s
from community.forum.models import Board, Draft, Post, ReactionKind, Thread
from community.forum.services import drafts, following, reactions
from community.forum.services.idempotency import request_digest, run_idempotent
from community.moderation import selectors as moderation_selectors
from community.posting import services as posting
from config.api.errors import ApiError
from config.api.pagination import KeysetPagination
from config.numbers import MAX_POSITION, client_int

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Send the same key when retrying: the first result is returned again.",
)


def _member(request: Request) -> User:
    return cast(User, request.user)


def _validated(serializer_class: type[Any], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _create_once(
    request: Request, *, scope: str, create: Callable[[], tuple[int, Any]]
) -> Response:
    """Runs a create, or replays its first answer when the client retries with the same
    ``Idempotency-Key``."""
    code, body = run_idempotent(
        user=_member(request),
        key=request.headers.get("Idempotency-Key"),
        scope=scope,
        digest=request_digest(request.data),
        create=create,
    )
    return Response(body, status=code)


def _post_page_context(request: Request, thread: Thread, posts: list[Post]) -> dict[str, Any]:
    return {
        "viewer": request.user,
        "thread": thread,
        "my_reactions": selectors.viewer_reactions(
            viewer=request.user, post_ids=[p.pk for p in posts]
        ),
        "reasons": _post_reasons(request, posts),
    }


def _post_reasons(request: Request, posts: list[Post]) -> dict[int, str]:
    """Why the posts the viewer may ask about were turned down or hidden (no query when none
    of them was)."""
    asked = [p.pk for p in posts if policies.can_see_decision(viewer=request.user, post=p)]
    return moderation_selectors.decision_reasons(post_ids=asked)


def _thread_context(request: Request, threads: list[Thread]) -> dict[str, Any]:
    asked = [t.pk for t in threads if policies.can_see_decision(viewer=request.user, post=t)]
    reasons = moderation_selectors.opening_decision_reasons(thread_ids=asked)
    return {"viewer": request.user, "reasons": reasons}


class DraftPermission(permissions.IsAuthenticated):
    """A member's own draft is always theirs to read and to delete, suspended or not; only
    writing one is closed by a suspension."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return NotSuspended().has_permission(request, view)
        return True


def _draft_schema(write: type[Any]) -> Callable[[Any], Any]:
    """The schema of a draft action: GET and DELETE, and PUT and PATCH taking ``write``."""

    def decorate(view: Any) -> Any:
        view = extend_schema(methods=["GET"], responses=s.DraftSerializer)(view)
        view = extend_schema(methods=["DELETE"], responses={204: None})(view)
        return extend_schema(methods=["PUT", "PATCH"], request=write, responses=s.DraftSerializer)(
            view
        )

    return decorate


def _draft(
    request: Request,
    *,
    write: type[Any],
    find: Callable[[], Draft | None],
    context: Callable[[], dict[str, Any]],
) -> Response:
    """GET, PUT, PATCH and DELETE of the member's draft for one composer.

    An existing draft is found without asking whether the member may still see its board or
    thread (``find``): a moderator's decision never takes a member's words from them. A new
    draft needs a composer the member may see (``context`` raises 404 otherwise).
    """
    member = _member(request)
    draft = find()
    if request.method == "GET":
        if draft is None:
            raise Http404
        return Response(s.DraftSerializer(draft).data)
    if request.method == "DELETE":
        if draft is None:
            raise Http404
        drafts.draft_delete(user=member, board=draft.board, thread=draft.thread)
        return Response(status=status.HTTP_204_NO_CONTENT)
    partial = request.method == "PATCH"
    serializer = write(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    fields: dict[str, Any] = dict(serializer.validated_data)
    if not partial and "reply_to" in serializer.fields:
        fields.setdefault("reply_to", None)  # PUT replaces: an optional field left out is cleared
    where = {"board": draft.board, "thread": draft.thread} if draft else context()
    saved = drafts.draft_save(
        user=member,
        title=fields.get("title", drafts.KEEP),
        body=fields.get("body", drafts.KEEP),
        reply_to_id=fields.get("reply_to", drafts.KEEP),
        **where,
    )
    return Response(s.DraftSerializer(saved).data)


class BoardViewSet(viewsets.GenericViewSet):
    """Topic boards, each with its threads."""

    lookup_field = "slug"
    queryset = Board.objects.none()  # describes the path parameter; reads go through selectors
    serializer_class = s.BoardSerializer
    pagination_class = None

    def get_permissions(self) -> list[Any]:
        if self.action in ("mark_read", "subscription"):
            return [permissions.IsAuthenticated(), NotSuspended()]
        return list(super().get_permissions())

    def list(self, request: Request) -> Response:
        boards = list(selectors.board_list_visible_to(viewer=request.user))
        unread = (
            selectors.board_unread_counts(viewer=request.user, board_ids=[b.pk for b in boards])
            if request.user.is_authenticated
            else None
        )
        context = {"viewer": request.user, "unread": unread}
        return Response(s.BoardSerializer(boards, many=True, context=context).data)

    def retrieve(self, request: Request, slug: str) -> Response:
        board = selectors.board_get_visible(viewer=request.user, slug=slug)
        unread = (
            selectors.board_unread_counts(viewer=request.user, board_ids=[board.pk])
            if request.user.is_authenticated
            else None
        )
        context = {"viewer": request.user, "unread": unread}
        return Response(s.BoardSerializer(board, context=context).data)

    @extend_schema(
        methods=["GET"],
        responses=s.ThreadSerializer(many=True),
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
    )
    @extend_schema(
        methods=["POST"],
        request=s.ThreadCreateSerializer,
        responses={201: s.ThreadCreatedSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=KeysetPagination)
    def threads(self, request: Request, slug: str) -> Response:
        board = selectors.board_get_visible(viewer=request.user, slug=slug)
        if request.method == "POST":
            return self._thread_create(request, board)
        paginator = KeysetPagination(
            keys=selectors.thread_list_keys(viewer=request.user), descending=True
        )
        threads = selectors.thread_list_visible_to(viewer=request.user, board=board)
        page = paginator.paginate_queryset(threads, request, view=self)
        if "cursor" not in request.query_params:
            # The first page starts with the member's own threads others do not see yet.
            page = selectors.own_threads_unlisted(viewer=request.user, board=board) + page
        context = _thread_context(request, page)
        data = s.ThreadSerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(data)

    def _thread_create(self, request: Request, board: Board) -> Response:
        policies.check_can_start_thread(user=request.user, board=board, is_anonymous=False)
        data = _validated(s.ThreadCreateSerializer, request)
        resource_id = data.pop("resource", None)

        def create() -> tuple[int, Any]:
            thread = posting.thread_create(
                author=request.user, board=board, resource_id=resource_id, **data
            )
            context = {"viewer": request.user, "thread": thread}
            return 201, s.ThreadCreatedSerializer(thread, context=context).data

        return _create_once(request, scope=f"thread_create:{board.pk}", create=create)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request, slug: str) -> Response:
        board = selectors.board_get_visible(viewer=request.user, slug=slug)
        following.board_mark_read(user=_member(request), board=board)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.SubscriptionSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["put"])
    def subscription(self, request: Request, slug: str) -> Response:
        board = selectors.board_get_visible(viewer=request.user, slug=slug)
        data = _validated(s.SubscriptionSerializer, request)
        sub = following.subscription_set(user=_member(request), board=board, level=data["level"])
        return Response(s.SubscriptionSerializer(sub).data)

    @_draft_schema(s.BoardDraftWriteSerializer)
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        permission_classes=[DraftPermission],
    )
    def draft(self, request: Request, slug: str) -> Response:
        return _draft(
            request,
            write=s.BoardDraftWriteSerializer,
            find=lambda: selectors.board_draft_find(user_id=_member(request).pk, slug=slug),
            context=lambda: {"board": selectors.board_get_visible(viewer=request.user, slug=slug)},
        )


class ThreadViewSet(viewsets.GenericViewSet):
    """A thread: its header, its posts, replies, reading position and subscription."""

    serializer_class = s.ThreadDetailSerializer
    queryset = Thread.objects.none()
    lookup_value_regex = "[0-9]+"

    def get_permissions(self) -> list[Any]:
        if self.action in ("read", "subscription"):
            return [permissions.IsAuthenticated(), NotSuspended()]
        return list(super().get_permissions())

    def retrieve(self, request: Request, pk: str) -> Response:
        thread = selectors.thread_get_visible(viewer=request.user, thread_id=int(pk))
        thread.viewer_state = selectors.thread_viewer_state(  # type: ignore[attr-defined]
            viewer=request.user, thread=thread
        )
        context = _thread_context(request, [thread])
        return Response(s.ThreadDetailSerializer(thread, context=context).data)

    @extend_schema(
        methods=["GET"],
        responses=s.PostSerializer(many=True),
        parameters=[
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
            OpenApiParameter(
                "from_position", int, description="Start at this position (first unread)."
            ),
            OpenApiParameter("last", bool, description="The last page of the thread."),
        ],
    )
    @extend_schema(
        methods=["POST"],
        request=s.PostCreateSerializer,
        responses={201: s.PostCreatedSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=KeysetPagination)
    def posts(self, request: Request, pk: str) -> Response:
        thread = selectors.thread_get_visible(viewer=request.user, thread_id=int(pk))
        if request.method == "POST":
            return self._post_create(request, thread)
        posts = selectors.post_list_visible_to(viewer=request.user, thread=thread)
        start = request.query_params.get("from_position")
        if start is not None:
            position = client_int(start)
            if position is None or not 0 <= position <= MAX_POSITION:
                raise ApiError(
                    "from_position must be a whole number.",
                    code="invalid",
                    fields={"from_position": ["Enter a whole number."]},
                )
            posts = posts.filter(position__gte=position)
        paginator = KeysetPagination(keys=("position",), descending=False)
        page = paginator.paginate_queryset(posts, request, view=self)
        context = _post_page_context(request, thread, page)
        return paginator.get_paginated_response(
            s.PostSerializer(page, many=True, context=context).data
        )

    def _post_create(self, request: Request, thread: Thread) -> Response:
        policies.check_can_reply(user=request.user, thread=thread)
        data = _validated(s.PostCreateSerializer, request)

        def create() -> tuple[int, Any]:
            post = posting.post_create(
                author=request.user,
                thread_id=thread.pk,
                body=data["body"],
                reply_to_id=data.get("reply_to"),
                is_anonymous=data["is_anonymous"],
                resource_id=data.get("resource"),
            )
            context: dict[str, Any] = {"viewer": request.user, "thread": thread}
            return 201, s.PostCreatedSerializer(post, context=context).data

        return _create_once(request, scope=f"post_create:{thread.pk}", create=create)

    @extend_schema(request=s.ReadMarkSerializer, responses=s.ReadMarkSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        thread = selectors.thread_get_visible(viewer=request.user, thread_id=int(pk))
        data = _validated(s.ReadMarkSerializer, request)
        stored = following.thread_mark_read(
            user=_member(request), thread=thread, position=data["position"]
        )
        return Response({"position": stored})

    @extend_schema(request=s.SubscriptionSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["put"])
    def subscription(self, request: Request, pk: str) -> Response:
        thread = selectors.thread_get_visible(viewer=request.user, thread_id=int(pk))
        data = _validated(s.SubscriptionSerializer, request)
        sub = following.subscription_set(user=_member(request), thread=thread, level=data["level"])
        return Response(s.SubscriptionSerializer(sub).data)

    @_draft_schema(s.ReplyDraftWriteSerializer)
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        permission_classes=[DraftPermission],
    )
    def draft(self, request: Request, pk: str) -> Response:
        return _draft(
            request,
            write=s.ReplyDraftWriteSerializer,
            find=lambda: selectors.reply_draft_find(user_id=_member(request).pk, thread_id=int(pk)),
            context=lambda: {
                "thread": selectors.thread_get_visible(viewer=request.user, thread_id=int(pk))
            },
        )


class PostViewSet(viewsets.GenericViewSet):
    """One post: read it, edit or withdraw your own, react to others'."""

    serializer_class = s.PostSerializer
    queryset = Post.objects.none()
    lookup_value_regex = "[0-9]+"

    def retrieve(self, request: Request, pk: str) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=int(pk))
        context = _post_page_context(request, post.thread, [post])
        return Response(s.PostSerializer(post, context=context).data)

    @extend_schema(request=s.PostEditSerializer, responses=s.PostSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=int(pk))
        data = _validated(s.PostEditSerializer, request)
        post = posting.post_edit(editor=request.user, post_id=post.pk, body=data["body"])
        context = _post_page_context(request, post.thread, [post])
        return Response(s.PostSerializer(post, context=context).data)

    @extend_schema(request=None, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=int(pk))
        posting.post_withdraw(user=request.user, post_id=post.pk)
        post = selectors.post_get_visible(viewer=request.user, post_id=post.pk)
        context = _post_page_context(request, post.thread, [post])
        return Response(s.PostSerializer(post, context=context).data)

    @extend_schema(responses=s.RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request: Request, pk: str) -> Response:
        if not policies.is_moderator(request.user):
            raise Http404
        post = selectors.post_get_visible(viewer=request.user, post_id=int(pk))
        revisions = post.revisions.select_related("edited_by").order_by("-created_at")
        return Response(s.RevisionSerializer(revisions, many=True).data)

    @extend_schema(methods=["PUT", "DELETE"], request=None, responses=s.PostSerializer)
    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=r"reactions/(?P<kind>[a-z_]+)",
        permission_classes=[permissions.IsAuthenticated, NotSuspended],
    )
    def reaction(self, request: Request, pk: str, kind: str) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=int(pk))
        if kind not in ReactionKind.values:
            raise Http404
        if request.method == "PUT":
            reactions.reaction_add(user=request.user, post=post, kind=kind)
        else:
            reactions.reaction_remove(user=request.user, post=post, kind=kind)
        post = selectors.post_get_visible(viewer=request.user, post_id=post.pk)
        context = _post_page_context(request, post.thread, [post])
        return Response(s.PostSerializer(post, context=context).data)


class WrittenPostsView(APIView):
    """Everything the member wrote."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = KeysetPagination

    @extend_schema(
        operation_id="me_posts",
        summary="Everything you wrote",
        description=(
            "Your threads' opening posts and your replies, in every state (published, "
            "waiting for approval, turned down with the reason, hidden, withdrawn), newest "
            "first, paged with `cursor`."
        ),
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses=s.WrittenPostSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        paginator = KeysetPagination(keys=("created_at", "id"), descending=True)
        posts = selectors.posts_written_by(user_id=_member(request).pk)
        page = paginator.paginate_queryset(posts, request, view=self)
        context = {"viewer": request.user, "reasons": _post_reasons(request, page)}
        return paginator.get_paginated_response(
            s.WrittenPostSerializer(page, many=True, context=context).data
        )
