"""The library in the admin, for curators and moderators: suggestions to publish, resources to
review, and links the checker found broken.

Every change goes through the library's services, as the API's do: the form checks input with
the API's own serializer, and publishing, archiving, reviewing and editing each write their
audit row.
"""

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from community.resources.inputs import ResourceInputSerializer
from community.resources.models import LinkStatus, Resource, ResourceState, Tag
from community.resources.policies import may_curate
from community.resources.services import curation, suggestions
from config.admin_shared import PlainActionCheckbox, Tally, shorten

# Form field → the name the serializer and the services know it by.
FORM_FIELDS = {
    "title": "title",
    "url": "url",
    "summary_source": "summary",
    "organisation": "organisation",
    "category": "category",
    "audience": "audience",
    "language": "language",
    "review_interval_months": "review_interval_months",
}


class ResourceForm(forms.ModelForm):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=FilteredSelectMultiple("tags", is_stacked=False),
    )

    class Meta:
        model = Resource
        fields = [*FORM_FIELDS, "tags"]
        labels = {"summary_source": "Summary (Markdown)"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        data = {name: cleaned[field] for field, name in FORM_FIELDS.items() if field in cleaned}
        data["tags"] = [tag.slug for tag in cleaned.get("tags") or []]
        serializer = ResourceInputSerializer(data=data)
        if not serializer.is_valid():
            back = {name: field for field, name in FORM_FIELDS.items()}
            for name, problems in serializer.errors.items():
                self.add_error(back.get(name), [str(problem) for problem in problems])
            return cleaned
        self.payload = dict(serializer.validated_data)
        # The stored spelling, so the model's own checks see what will be saved.
        cleaned["url"] = self.payload["url"]
        duplicate = Resource.objects.filter(url=self.payload["url"])
        if self.instance.pk is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        existing = duplicate.first()
        if existing is not None:
            self.add_error("url", f"This link is already in the library: “{existing.title}”.")
        return cleaned


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("due", "Due for review")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Resource]) -> QuerySet[Resource]:
        if self.value() == "due":
            return queryset.filter(state=ResourceState.PUBLISHED, review_due_at__lte=timezone.now())
        return queryset


@admin.register(Resource)
class ResourceAdmin(PlainActionCheckbox, admin.ModelAdmin):
    form = ResourceForm
    list_display = [
        "title",
        "state",
        "category",
        "audience",
        "link_health",
        "review_due_at",
        "helpful_count",
        "suggested_by_name",
    ]
    list_filter = ["state", ReviewFilter, "link_status", "category", "audience", "language"]
    list_select_related = ["suggested_by"]
    search_fields = ["title", "organisation", "=url"]
    search_help_text = "Words of the title or organisation, or the exact address."
    show_facets = admin.ShowFacets.NEVER
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["publish_selected", "archive_selected", "review_selected"]
    readonly_fields = [
        "state",
        "suggested_by",
        "curated_by",
        "published_at",
        "last_reviewed_at",
        "review_due_at",
        "helpful_count",
        "link_status",
        "link_status_code",
        "link_checked_at",
        "link_failures",
        "link_final_url",
        "link_error",
    ]
    fieldsets = [
        (None, {"fields": [*FORM_FIELDS, "tags"]}),
        (
            "Curation",
            {
                "fields": [
                    "state",
                    "suggested_by",
                    "curated_by",
                    "published_at",
                    "last_reviewed_at",
                    "review_due_at",
                    "helpful_count",
                ]
            },
        ),
        (
            "Link health",
            {
                "fields": [
                    "link_status",
                    "link_status_code",
                    "link_checked_at",
                    "link_failures",
                    "link_final_url",
                    "link_error",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Archive instead: members' saved lists and posts keep pointing to it.
        return False

    # The services refuse anyone who may not curate now (a suspended curator, staff without
    # the role); the admin shows them the library read-only rather than forms that would fail.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_curate(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return may_curate(request.user) and super().has_change_permission(request, obj)

    @admin.display(description="link")
    def link_health(self, obj: Resource) -> str:
        if obj.link_status in (LinkStatus.BROKEN, LinkStatus.FAILING):
            return format_html(
                '<strong class="link-{}">{}</strong> {}',
                obj.link_status,
                obj.get_link_status_display(),
                shorten(obj.link_error, 60),
            )
        return obj.get_link_status_display()

    @admin.display(description="suggested by")
    def suggested_by_name(self, obj: Resource) -> str:
        return obj.suggested_by.username if obj.suggested_by is not None else "—"

    # --- saving goes through the services ---

    def save_model(self, request: HttpRequest, obj: Resource, form: Any, change: bool) -> None:
        payload = dict(form.payload)
        if change:
            result = curation.resource_edit(curator=request.user, resource_id=obj.pk, **payload)
            saved = result.obj
        else:
            saved = suggestions.resource_suggest(member=request.user, **payload)
            # A curator adding a resource vouches for it: it goes straight into the library.
            saved = curation.resource_publish(curator=request.user, resource_id=saved.pk).obj
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Tags were set by the service with the rest.
        return None

    # --- in bulk ---

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Resource],
        verb: Any,
        *,
        done: str,
        already: str,
    ) -> None:
        tally = Tally()
        for resource in queryset.select_related(None).only("pk", "title"):
            tally.run(
                f"“{resource.title}”", partial(verb, curator=request.user, resource_id=resource.pk)
            )
        tally.report(request, done=done, already=already)

    @admin.action(description="Publish selected resources", permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        self._each(
            request,
            queryset,
            curation.resource_publish,
            done="Published",
            already="Already published",
        )

    @admin.action(description="Archive selected resources", permissions=["change"])
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        self._each(
            request,
            queryset,
            curation.resource_archive,
            done="Archived",
            already="Already archived",
        )

    @admin.action(description="Mark selected resources as reviewed today", permissions=["change"])
    def review_selected(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        self._each(
            request,
            queryset,
            curation.resource_review,
            done="Reviewed",
            already="Already reviewed today",
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
