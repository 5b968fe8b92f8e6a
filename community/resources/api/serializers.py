"""What the library API answers, and what a curator sends to archive. A resource's own
fields come in through ``community.resources.inputs``, the contract the admin form shares."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.resources import policies
from community.resources.models import Category, Resource, Tag
from config.api.fields import BooleanField, IntegerField, StrictCharField

CATEGORY_LABELS = dict(Category.choices)


class ArchiveSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why; sent to the member when this declines their suggestion.",
    )


class TagSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class LinkHealthSerializer(serializers.Serializer):
    status = serializers.CharField(source="link_status")
    checked_at = serializers.DateTimeField(source="link_checked_at", allow_null=True)


class CuratorLinkHealthSerializer(LinkHealthSerializer):
    """A link's health: everyone sees its status and last check; curators also the details
    (present for them only, so not required)."""

    status_code = IntegerField(source="link_status_code", allow_null=True, required=False)
    consecutive_failures = IntegerField(source="link_failures", required=False)
    final_url = serializers.CharField(source="link_final_url", required=False)
    error = serializers.CharField(source="link_error", required=False)


class ResourceSerializer(serializers.Serializer):
    id = IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    summary = serializers.CharField(source="summary_source")
    summary_html = serializers.CharField()
    organisation = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.SerializerMethodField()
    audience = serializers.CharField()
    tags = serializers.SerializerMethodField()
    language = serializers.CharField()
    state = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    last_reviewed_at = serializers.DateTimeField(allow_null=True)
    helpful_count = IntegerField(help_text="Shown, never used to order the library.")
    link = serializers.SerializerMethodField()
    saved = serializers.SerializerMethodField()
    helped_me = serializers.SerializerMethodField()
    can = serializers.SerializerMethodField()

    @extend_schema_field(TagSerializer(many=True))
    def get_tags(self, resource: Resource) -> list[dict[str, str]]:
        # Attached by the view (selectors.tags_attach): no query per resource.
        pairs: list[tuple[str, str]] = getattr(resource, "tag_list", [])
        return [{"slug": slug, "name": name} for slug, name in pairs]

    def get_category_label(self, resource: Resource) -> str:
        return CATEGORY_LABELS.get(resource.category, resource.category)

    def _curating(self) -> bool:
        # Once per response, not per row.
        if "curating" not in self.context:
            self.context["curating"] = policies.can_curate(self.context["viewer"])
        return bool(self.context["curating"])

    @extend_schema_field(CuratorLinkHealthSerializer)
    def get_link(self, resource: Resource) -> dict[str, Any]:
        checked = resource.link_checked_at
        link: dict[str, Any] = {
            "status": resource.link_status,
            "checked_at": serializers.DateTimeField().to_representation(checked)
            if checked
            else None,
        }
        if self._curating():
            link.update(
                status_code=resource.link_status_code,
                consecutive_failures=resource.link_failures,
                final_url=resource.link_final_url,
                error=resource.link_error,
            )
        return link

    @extend_schema_field(BooleanField(allow_null=True))
    def get_saved(self, resource: Resource) -> bool | None:
        return getattr(resource, "saved", None)

    @extend_schema_field(BooleanField(allow_null=True))
    def get_helped_me(self, resource: Resource) -> bool | None:
        return getattr(resource, "helped_me", None)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                name: {"type": "boolean"}
                for name in (
                    "save",
                    "mark_helpful",
                    "edit",
                    "withdraw",
                    "publish",
                    "archive",
                    "review",
                )
            },
        }
    )
    def get_can(self, resource: Resource) -> dict[str, bool]:
        return policies.resource_actions(viewer=self.context["viewer"], resource=resource)


class CuratorResourceSerializer(ResourceSerializer):
    """What curators see besides: who suggested it, and when it is due for review."""

    suggested_by = serializers.CharField(source="suggested_by.username", allow_null=True)
    review_interval_months = IntegerField()
    review_due_at = serializers.DateTimeField(allow_null=True)


def resource_serializer_for(viewer: Any) -> type[ResourceSerializer]:
    return CuratorResourceSerializer if policies.can_curate(viewer) else ResourceSerializer


class TagListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]
