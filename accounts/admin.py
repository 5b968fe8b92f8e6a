"""Members in the admin. Admins manage accounts; moderators, who are staff in the "Moderators"
group, see members without their login emails and nothing they can edit.

The moderation verbs on this page (suspend, lift, trust, clinician badge) belong to the
moderation admin (``community.moderation.admin.members``), which registers this page again with
them, so every such change goes through the moderation services and is in the audit log.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Profile, Role, Treatment, User
from accounts.services import staff_access_sync

# What only admins see or change: how a member signs in, and who may do what.
ADMIN_ONLY_FIELDS = frozenset(
    {"email", "password", "is_staff", "is_superuser", "is_curator", "groups", "user_permissions"}
)


def is_account_admin(user: Any) -> bool:
    """Admins (role admin, or a superuser) manage accounts; moderators do not."""
    return bool(user.is_superuser or getattr(user, "role", None) == Role.ADMIN)


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspension"
    parameter_name = "suspended"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Suspended now"), ("no", "Not suspended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        now_suspended = Q(suspended_until__gt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(now_suspended)
        if self.value() == "no":
            return queryset.exclude(now_suspended)
        return queryset


class ProfileForm(forms.ModelForm):
    treatments = forms.MultipleChoiceField(
        choices=Treatment.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Profile
        fields = [
            "bio",
            "bio_visibility",
            "diagnosis_year",
            "diagnosis_year_visibility",
            "treatments",
            "treatments_visibility",
            "country",
            "country_visibility",
        ]


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ProfileForm
    can_delete = False
    fields = [
        ("bio", "bio_visibility"),
        ("diagnosis_year", "diagnosis_year_visibility"),
        ("treatments", "treatments_visibility"),
        ("country", "country_visibility"),
    ]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "display_name",
        "email",
        "role",
        "trust_level",
        "suspended_until",
        "date_joined",
    ]
    list_filter = ["role", "trust_level", SuspendedFilter, "is_curator", "is_staff", "is_active"]
    search_fields = ["username", "display_name", "email"]
    ordering = ["-date_joined"]
    list_select_related = True
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ["clinician_verified_by"]
    # Suspension, trust and the clinician badge change only through the actions, which call
    # the moderation services: sessions end on suspension and the audit log records each.
    # Staff flags follow the role.
    readonly_fields = [
        "last_login",
        "date_joined",
        "trust_level",
        "trust_changed_at",
        "suspended_until",
        "clinician_verified_by",
        "clinician_verified_at",
        "clinician_expires_at",
        "is_staff",
        "is_superuser",
    ]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["username", "display_name", "email", "password"]}),
        (
            "Role and trust",
            {
                "fields": [
                    "role",
                    "is_curator",
                    "trust_level",
                    "trust_changed_at",
                    "is_staff",
                    "is_superuser",
                    "is_active",
                    "groups",
                ],
                "description": "Moderators are made staff in the Moderators group, curators "
                "staff in the Curators group, admins superusers, when this is saved.",
            },
        ),
        ("Suspension", {"fields": ["suspended_until"]}),
        (
            "Clinician badge",
            {
                "fields": [
                    "clinician_verified_by",
                    "clinician_verified_at",
                    "clinician_expires_at",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "username", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal = ["groups"]

    # --- what a moderator sees: no login emails, nothing to edit ---

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        if is_account_admin(request.user):
            return shown
        return [name for name in shown if name not in ADMIN_ONLY_FIELDS]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        fields = list(super().get_search_fields(request))
        if is_account_admin(request.user):
            return fields
        return [name for name in fields if name.lstrip("=^@") not in ADMIN_ONLY_FIELDS]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if is_account_admin(request.user):
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f not in ADMIN_ONLY_FIELDS]},
            )
            for name, options in fieldsets
        ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Moderators need "change" for the actions on the list, but a member's page is
        # read-only for them: roles, emails, passwords and staff flags are for admins.
        if obj is not None and not is_account_admin(request.user):
            return False
        return super().has_change_permission(request, obj)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if (
            request is not None
            and not is_account_admin(request.user)
            and lookup.split("__")[0] == "email"
        ):
            # Filtering by a typed URL would otherwise tell a moderator who signs in how.
            return False
        return super().lookup_allowed(lookup, value, request)

    # --- roles decide admin-site access ---

    def save_model(self, request: HttpRequest, obj: User, form: BaseForm, change: bool) -> None:
        if not change or {"role", "is_curator"} & set(form.changed_data):
            obj.is_staff = obj.role != Role.MEMBER or obj.is_curator
            obj.is_superuser = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the groups field is saved, or it would undo the sync.
        super().save_related(request, form, formsets, change)
        staff_access_sync(user=form.instance)
