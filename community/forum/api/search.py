"""GET /search: full-text search over thread titles and post bodies."""

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import AuthorCardSerializer, author_card
from community.forum import policies, search
from community.forum.api.serializers import ANONYMOUS_LABEL
from community.forum.models import Board, PostState
from config.api.errors import ApiError
from config.api.fields import IntegerField, StrictCharField
from config.api.pagination import RankedPagination

UNKNOWN_BOARD = "No board has this name."


class SearchParamsSerializer(serializers.Serializer):
    q = StrictCharField(
        min_length=2,
        max_length=200,
        help_text=(
            'Words to find, as in a web search: "a phrase", -excluded, either or other. '
            "Matches thread titles and post bodies."
        ),
    )
    board = serializers.SlugField(
        max_length=60,
        required=False,
        help_text="Only this board (its slug). A board you may not see is refused like an "
        "unknown one.",
    )
    author = StrictCharField(
        max_length=30,
        required=False,
        help_text="Only posts by this member (username, any case). Anonymous posts match only "
        "for their author and moderators.",
    )
    after = serializers.DateField(
        required=False, help_text="Only posts written on or after this day (UTC)."
    )
    before = serializers.DateField(
        required=False,
        help_text="Only posts written before this day (UTC), not on it. A range that holds no "
        "day finds nothing.",
    )


class SearchResultSerializer(serializers.Serializer):
    """One matching post, as the viewer may see it (its author as ``PostSerializer`` shows)."""

    post = IntegerField(source="post.pk")
    thread = IntegerField(source="post.thread_id")
    thread_title = serializers.CharField(source="post.thread.title")
    board = serializers.SlugField(source="post.thread.board.slug")
    position = IntegerField(source="post.position")
    state = serializers.ChoiceField(
        source="post.state",
        choices=PostState.choices,
        help_text="Always published, except your own posts (and any post, for moderators).",
    )
    created_at = serializers.DateTimeField(source="post.created_at")
    snippet = serializers.CharField(
        help_text="HTML: escaped text from the post with the matches in <mark>…</mark>; "
        "no other markup.",
    )
    rank = serializers.FloatField(
        allow_null=True,
        help_text="Relevance, higher is better; null where the server cannot rank (then "
        "results are newest first).",
    )

    author = serializers.SerializerMethodField()
    author_label = serializers.SerializerMethodField(
        help_text="The name to show: the display name, or “a member” for anonymous posts."
    )

    def _shows_author(self, hit: search.SearchHit) -> bool:
        return policies.can_see_author(viewer=self.context["viewer"], post=hit.post)

    @extend_schema_field(AuthorCardSerializer(allow_null=True))
    def get_author(self, hit: search.SearchHit) -> dict[str, Any] | None:
        return author_card(hit.post.author) if self._shows_author(hit) else None

    def get_author_label(self, hit: search.SearchHit) -> str:
        return hit.post.author.public_name if self._shows_author(hit) else ANONYMOUS_LABEL


class SearchPagination(RankedPagination):
    cap = search.RESULT_CAP


def _board(viewer: Any, slug: str | None) -> Board | None:
    """The board to search in; unknown and not visible are refused alike (400, ``board``)."""
    if not slug:
        return None
    board = Board.objects.filter(slug=slug).first()
    if board is None or not policies.can_view_board(viewer=viewer, board=board):
        # Well formed, but naming no board this viewer may see: 422, the same for both.
        raise ApiError(
            UNKNOWN_BOARD, code="invalid", status_code=422, fields={"board": [UNKNOWN_BOARD]}
        )
    return board


class SearchView(APIView):
    """Search thread titles and post bodies."""

    declared_refusals = {"get": {"422"}}

    pagination_class = SearchPagination

    @extend_schema(
        operation_id="search",
        summary="Search threads and posts",
        description=(
            "Posts matching the words, best first (ranked, a title match above a body match), "
            "among what the viewer may read: published posts in published threads, members-"
            "only boards for signed-in members, and your own posts waiting for a moderator. "
            "At most the top 1,000 results, paged with `cursor`. An anonymous post never "
            "shows its author, and `author` never matches it except for its author and "
            "moderators. A board you may not see answers 400 like an unknown board."
        ),
        parameters=[
            SearchParamsSerializer,
            OpenApiParameter("cursor", str, description="From `next` or `previous`."),
            OpenApiParameter("page_size", int, description="1 to 100; 25 by default."),
        ],
        responses={
            200: SearchResultSerializer(many=True),
            400: OpenApiResponse(
                response={"$ref": "#/components/schemas/Error"},
                description="A parameter is not valid (`invalid`, naming it in `fields`), or "
                "the page link is not (`invalid_cursor`).",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = search.SearchFilters(
            text=data["q"],
            board=_board(request.user, data.get("board")),
            author=data.get("author"),
            after=data.get("after"),
            before=data.get("before"),
        )
        paginator = SearchPagination()
        hits = paginator.paginate_hits(
            request,
            lambda offset, limit: search.search_posts(
                viewer=request.user, filters=filters, offset=offset, limit=limit
            ),
        )
        results = SearchResultSerializer(hits, many=True, context={"viewer": request.user})
        return paginator.get_paginated_response(results.data)
