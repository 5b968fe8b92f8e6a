"""Members in the admin. Admins manage accounts; moderators, who are staff in the "Moderators"
group, see members without their login emails and act on them only through the moderation
services (suspend, lift, trust, clinician badge), so every such change is in the audit log.
"""

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.models import Profile, Role, Treatment, TrustLevel, User
from accounts.services import staff_access_sync
from community.moderation import services as moderation
from community.moderation.admin import Tally, action_form_response

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


class SuspendForm(forms.Form):
    until = forms.SplitDateTimeField(
        label="Suspended until",
        widget=AdminSplitDateTime,
        help_text="Date and time (UTC) when the member can post again.",
    )
    reason = forms.CharField(
        max_length=moderation.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the moderation log.",
    )

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if until <= timezone.now():
            raise forms.ValidationError("Choose a date and time in the future.")
        return until


class ClinicianForm(forms.Form):
    expires_at = forms.SplitDateTimeField(
        label="Badge expires",
        widget=AdminSplitDateTime,
        required=False,
        help_text="Leave empty for a badge that does not expire.",
    )


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
    actions = [
        "suspend_selected",
        "lift_suspension",
        "trust_established",
        "trust_new",
        "verify_clinician",
    ]

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

    # --- the moderation verbs ---

    @admin.action(description="Suspend selected members…", permissions=["change"])
    def suspend_selected(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        members = list(queryset.values_list("pk", "username"))
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            tally = Tally()
            for pk, username in members:
                tally.run(
                    username,
                    partial(
                        moderation.member_suspend,
                        moderator=request.user,
                        user_id=pk,
                        until=form.cleaned_data["until"],
                        reason=form.cleaned_data["reason"],
                    ),
                )
            until = timezone.localtime(form.cleaned_data["until"])
            tally.report(
                request,
                done=f"Suspended until {until:%d %B %Y, %H:%M} and signed out everywhere",
                already="Already suspended until then, nothing changed",
            )
            return None
        return action_form_response(
            request,
            self,
            action="suspend_selected",
            title="Suspend members",
            intro="Suspended members can read but not post, flag or react, and are signed out "
            "of every browser and app at once.",
            form=form,
            items=[username for _, username in members],
            ids=[pk for pk, _ in members],
            submit="Suspend",
        )

    @admin.action(description="Lift suspension", permissions=["change"])
    def lift_suspension(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        tally = Tally()
        for pk, username in queryset.values_list("pk", "username"):
            tally.run(
                username,
                partial(moderation.member_lift_suspension, moderator=request.user, user_id=pk),
            )
        tally.report(
            request, done="Lifted the suspension of", already="Not suspended, nothing changed"
        )

    def _set_trust(self, request: HttpRequest, queryset: QuerySet[User], level: str) -> None:
        tally = Tally()
        for pk, username in queryset.values_list("pk", "username"):
            tally.run(
                username,
                partial(
                    moderation.member_set_trust,
                    moderator=request.user,
                    user_id=pk,
                    trust_level=level,
                ),
            )
        label = TrustLevel(level).label.lower()
        tally.report(request, done=f"Now {label}", already=f"Already {label}, nothing changed")

    @admin.action(description="Set trust: established", permissions=["change"])
    def trust_established(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_trust(request, queryset, TrustLevel.ESTABLISHED)

    @admin.action(description="Set trust: new (posts may be held)", permissions=["change"])
    def trust_new(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_trust(request, queryset, TrustLevel.NEW)

    @admin.action(description="Verify as clinician…", permissions=["change"])
    def verify_clinician(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        members = list(queryset.values_list("pk", "username"))
        form = ClinicianForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            tally = Tally()
            for pk, username in members:
                tally.run(
                    username,
                    partial(
                        moderation.member_verify_clinician,
                        moderator=request.user,
                        user_id=pk,
                        expires_at=form.cleaned_data["expires_at"],
                    ),
                )
            tally.report(
                request,
                done="Verified as clinicians",
                already="Already verified with that expiry, nothing changed",
            )
            return None
        return action_form_response(
            request,
            self,
            action="verify_clinician",
            title="Verify clinicians",
            intro="These members get the clinician badge, checked by you.",
            form=form,
            items=[username for _, username in members],
            ids=[pk for pk, _ in members],
            submit="Verify",
        )
