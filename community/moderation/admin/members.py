"""The moderation verbs on a member's admin page: suspend (signing them out everywhere), lift a
suspension, set trust, verify a clinician. Each goes through the moderation services, exactly as
the API's do, so each change is checked and in the audit log.

The members' page itself (who sees what of an account) is the accounts admin's; this module
registers it again with the verbs.
"""

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.admin import UserAdmin
from accounts.models import TrustLevel, User
from community.moderation import services as moderation
from config.admin_shared import Tally, action_form_response


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


class MemberAdmin(UserAdmin):
    actions = [
        "suspend_selected",
        "lift_suspension",
        "trust_established",
        "trust_new",
        "verify_clinician",
    ]

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


admin.site.unregister(User)
admin.site.register(User, MemberAdmin)
