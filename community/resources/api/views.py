"""The library's endpoints: validate, fetch through a selector, call one service, render.

Anyone may read the published library; members suggest, save and mark resources; curators
publish, edit, archive and review. Curator verbs do not exist for anyone else (404).
"""

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.policies import check_not_suspended
from community.resources import policies, search, selectors
from community.resources.api import serializers as s
from community.resources.filters import ResourceFilter
from community.resources.inputs import ResourceInputSerializer
from community.resources.models import Resource, ResourceState, SavedResource, Tag
from community.resources.services import curation, reading, suggestions
from config.api.errors import ApiError
from config.api.pagination import KeysetPagination, RankedPagination

STATE_PARAMETER = OpenApiParameter(
    "state",
    str,
    enum=[state.value for state in ResourceState],
    description=(
        "published (the default). Members may ask for their own suggestions; curators for "
        "any state."
    ),
)


class LibraryPagination(KeysetPagination):
    keys = ("published_at", "id")


class SearchPagination(RankedPagination):
    cap = search.RESULT_CAP


class SuggestionPagination(KeysetPagination):
    keys = ("created_at", "id")
    descending = False  # the longest waiting first


class SavedPagination(KeysetPagination):
    keys = ("created_at", "id")


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ApiError("Send a JSON object.", code="invalid", fields={})
    return dict(request.data)


def _resource_input(
    request: Request, *, partial: bool = False, own_suggestion: bool = False
) -> dict[str, Any]:
    """The resource's fields as sent, checked by the one input contract (400 ``invalid``).
    A suspended member hears of that first, as the service would tell them."""
    body = _body(request)
    check_not_suspended(user=request.user)
    serializer = ResourceInputSerializer(
        data=body, partial=partial, context={"own_suggestion": own_suggestion}
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _for_rows(resources: QuerySet[Resource], *, viewer: Any) -> QuerySet[Resource]:
    """What each row shows, in the rows' query (tags come after, for the page's rows)."""
    if policies.can_curate(viewer):
        resources = resources.select_related("suggested_by")
    return selectors.with_viewer_marks(resources, viewer=viewer)


def _rows_data(rows: list[Resource], *, request: Request) -> Any:
    """The rows as the viewer sees them: one query for all their tags, none per row."""
    selectors.tags_attach(rows)
    serializer_class = s.resource_serializer_for(request.user)
    context = {"request": request, "viewer": request.user}
    return serializer_class(rows, many=True, context=context).data


def _in_order(ids: list[int], *, request: Request) -> list[Resource]:
    """The resources with these ids, in this order, loaded for their rows."""
    rows = _for_rows(Resource.objects.filter(pk__in=ids), viewer=request.user)
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


class ResourceViewSet(viewsets.GenericViewSet):
    # What the services may refuse beyond the usual, declared in the schema: 409 a duplicate
    # link, a suggestion no longer waiting, a resource not published; 422 a link that is
    # well formed but cannot be used (a private host).
    declared_refusals = {
        "create": {"409", "422"},
        "partial_update": {"409", "422"},
        "destroy": {"409"},
        "publish": {"409"},
        "archive": {"409"},
        "review": {"409"},
        "saved": {"409"},
        "helpful": {"409"},
    }
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = s.ResourceSerializer
    # The list's query parameters, for the schema: ``selectors.resource_list`` applies them.
    filterset_class = ResourceFilter
    pagination_class = LibraryPagination
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Resource]:
        return selectors.resource_visible_to(viewer=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}

    def _render(
        self, resource: Resource, *, code: int = status.HTTP_200_OK, **extra: Any
    ) -> Response:
        [data] = _rows_data(_in_order([resource.pk], request=self.request), request=self.request)
        return Response({**data, **extra}, status=code)

    def _get(self, pk: str) -> Resource:
        resource = self.get_queryset().filter(pk=int(pk)).first()
        if resource is None:
            raise Http404
        return resource

    # --- the library ---

    @extend_schema(
        parameters=[STATE_PARAMETER],
        responses=s.ResourceSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        state = request.query_params.get("state") or ResourceState.PUBLISHED
        if state not in ResourceState.values:
            raise ApiError(
                "Unknown state.",
                code="invalid",
                fields={"state": [f"Choose one of: {', '.join(ResourceState.values)}."]},
            )
        resources = selectors.resource_list(
            viewer=request.user, state=state, filters=request.query_params
        )
        paginator: KeysetPagination = self.paginator  # type: ignore[assignment]
        if state == ResourceState.SUGGESTED:
            paginator = SuggestionPagination()
        elif state == ResourceState.ARCHIVED:
            paginator = KeysetPagination(keys=("updated_at", "id"))
        text = request.query_params.get("q", "")
        if text.strip():
            # Best matches first: a rank has no keyset, so these pages go by offset.
            paginator = SearchPagination()
            ids = paginator.paginate_hits(
                request,
                lambda offset, limit: search.resources_ranked(
                    resources, text=text, offset=offset, limit=limit
                ),
            )
            page: list[Resource] = _in_order(ids, request=request)
        else:
            page = paginator.paginate_queryset(
                _for_rows(resources, viewer=request.user), request, self
            )
        return paginator.get_paginated_response(_rows_data(page, request=request))

    @extend_schema(responses=s.ResourceSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._render(self._get(pk))

    @extend_schema(
        request=ResourceInputSerializer,
        responses={201: s.ResourceSerializer},
        description=(
            "Suggest a resource. It waits for a curator, seen only by you and the curators. "
            "A link already in the library answers 409 `duplicate_url`, with `existing` "
            "pointing to it when you may see it."
        ),
    )
    def create(self, request: Request) -> Response:
        resource = suggestions.resource_suggest(member=request.user, **_resource_input(request))
        return self._render(resource, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ResourceInputSerializer(partial=True),
        responses=s.ResourceSerializer,
        description=(
            "Curators change any resource (one audit row); a member changes their own "
            "suggestion while it waits (409 `not_waiting` once a curator has looked at it)."
        ),
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        if policies.can_curate(request.user):
            fields = _resource_input(request, partial=True)
            result = curation.resource_edit(curator=request.user, resource_id=int(pk), **fields)
        else:
            fields = _resource_input(request, partial=True, own_suggestion=True)
            result = suggestions.suggestion_edit(member=request.user, resource_id=int(pk), **fields)
        return self._render(result.obj, changed=result.changed)

    @extend_schema(
        responses={204: None},
        description="A member takes back their own suggestion while it waits.",
    )
    def destroy(self, request: Request, pk: str) -> Response:
        suggestions.suggestion_withdraw(member=request.user, resource_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- curator verbs ---

    @extend_schema(request=None, responses=s.ResourceSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        result = curation.resource_publish(curator=request.user, resource_id=int(pk))
        return self._render(result.obj, changed=result.changed)

    @extend_schema(request=s.ArchiveSerializer, responses=s.ResourceSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        serializer = s.ArchiveSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        result = curation.resource_archive(
            curator=request.user,
            resource_id=int(pk),
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._render(result.obj, changed=result.changed)

    @extend_schema(request=None, responses=s.ResourceSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        result = curation.resource_review(curator=request.user, resource_id=int(pk))
        return self._render(result.obj, changed=result.changed)

    # --- a member's own marks ---

    @extend_schema(methods=["PUT", "DELETE"], request=None, responses={200: s.ResourceSerializer})
    @action(detail=True, methods=["put", "delete"], url_path="saved")
    def saved(self, request: Request, pk: str) -> Response:
        verb = reading.resource_save if request.method == "PUT" else reading.resource_unsave
        result = verb(member=request.user, resource_id=int(pk))
        return self._render(result.obj, changed=result.changed)

    @extend_schema(methods=["PUT", "DELETE"], request=None, responses={200: s.ResourceSerializer})
    @action(detail=True, methods=["put", "delete"], url_path="helpful")
    def helpful(self, request: Request, pk: str) -> Response:
        verb = reading.helpful_mark if request.method == "PUT" else reading.helpful_unmark
        result = verb(member=request.user, resource_id=int(pk))
        return self._render(result.obj, changed=result.changed)


class SavedResourceViewSet(viewsets.GenericViewSet):
    """The member's own reading list, the most recently saved first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.ResourceSerializer
    pagination_class = SavedPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[SavedResource]:
        return SavedResource.objects.filter(
            user=cast(User, self.request.user), resource__state=ResourceState.PUBLISHED
        )

    @extend_schema(responses=s.ResourceSerializer(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        resources = _in_order([row.resource_id for row in page], request=request)
        return self.get_paginated_response(_rows_data(resources, request=request))


class TagViewSet(viewsets.GenericViewSet):
    """Every tag, by name: what the library can be filtered by."""

    permission_classes = [permissions.AllowAny]
    serializer_class = s.TagListSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = Tag.objects.order_by("name")

    def list(self, request: Request) -> Response:
        return Response(s.TagListSerializer(self.get_queryset(), many=True).data)
