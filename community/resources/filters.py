"""The library list's filters, named as its query parameters: ``selectors.resource_list``
applies them, and the API documents them from this class."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from community.resources import search
from community.resources.models import Audience, Category, Resource, Tag


class ResourceFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    audience = django_filters.ChoiceFilter(
        choices=Audience.choices,
        method="audience_filter",
        help_text="Resources for this audience, and those for everyone.",
    )
    tag = django_filters.CharFilter(method="tag_filter", help_text="A tag's slug.")
    language = django_filters.CharFilter(field_name="language", max_length=16)
    q = django_filters.CharFilter(
        method="text_filter",
        max_length=search.MAX_QUERY_LENGTH,
        help_text="Words to find in the title, the organisation or the summary (quoted "
        "phrases, `or`, `-word`). Results come best first, a title match ranking highest, "
        "within the top 1,000.",
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def audience_filter(self, queryset: QuerySet[Resource], name: str, value: Any) -> QuerySet:
        if value == Audience.EVERYONE:
            return queryset.filter(audience=Audience.EVERYONE)
        return queryset.filter(Q(audience=value) | Q(audience=Audience.EVERYONE))

    def tag_filter(self, queryset: QuerySet[Resource], name: str, value: Any) -> QuerySet:
        # The tag's id first: with the id in the query the planner knows how common the tag
        # is, and starts from its few resources instead of walking the whole library.
        tag_id = Tag.objects.filter(slug=str(value).strip().lower()).values_list("id", flat=True)
        found = tag_id.first()
        if found is None:
            return queryset.none()
        return queryset.filter(tags__id=found)

    def text_filter(self, queryset: QuerySet[Resource], name: str, value: Any) -> QuerySet:
        return search.resources_matching(queryset, text=str(value))
