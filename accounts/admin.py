from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Profile, Treatment, User


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
    list_filter = ["role", "trust_level", SuspendedFilter, "is_staff", "is_active"]
    search_fields = ["username", "display_name", "email"]
    ordering = ["-date_joined"]
    list_select_related = True
    show_full_result_count = False
    raw_id_fields = ["clinician_verified_by"]
    readonly_fields = ["last_login", "date_joined", "trust_changed_at"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["username", "display_name", "email", "password"]}),
        (
            "Role and trust",
            {
                "fields": [
                    "role",
                    "trust_level",
                    "trust_changed_at",
                    "is_staff",
                    "is_superuser",
                    "is_active",
                    "groups",
                ]
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
