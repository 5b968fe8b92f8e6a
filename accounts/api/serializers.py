from datetime import datetime
from typing import Any

from django.utils import timezone
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Profile, Role, Treatment, TrustLevel, User, Visibility
from accounts.policies import visible_profile_fields
from config.api.fields import ClosedSerializer, IntegerField, StrictCharField


class ClinicianBadgeSerializer(serializers.Serializer):
    verified_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


def _clinician_badge(user: User) -> dict[str, Any] | None:
    if not user.has_valid_clinician_badge():
        return None
    return ClinicianBadgeSerializer(
        {
            "verified_at": user.clinician_verified_at,
            "expires_at": user.clinician_expires_at,
        }
    ).data


class AuthorCardSerializer(serializers.Serializer):
    """Who wrote something, as members see them: never the login email."""

    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    clinician = ClinicianBadgeSerializer(allow_null=True)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def author_card(user: User | None) -> dict[str, Any] | None:
    """The card ``AuthorCardSerializer`` describes, built directly: a page holds fifty."""
    if user is None:
        return None
    badge = None
    if user.has_valid_clinician_badge():
        badge = {
            "verified_at": _iso(user.clinician_verified_at),
            "expires_at": _iso(user.clinician_expires_at),
        }
    return {
        "username": user.username,
        "display_name": user.public_name,
        "role": user.role,
        "clinician": badge,
    }


class VisibleProfileSerializer(serializers.Serializer):
    """A profile as another viewer sees it: a field they may not see is ``null``."""

    bio = serializers.CharField(allow_null=True)
    diagnosis_year = IntegerField(allow_null=True)
    treatments = serializers.ListField(
        child=serializers.ChoiceField(choices=Treatment.choices), allow_null=True
    )
    country = serializers.CharField(allow_null=True)


class MemberSerializer(serializers.Serializer):
    """A member's public card and profile, as the viewer in ``context["viewer"]`` may see it."""

    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    clinician = serializers.SerializerMethodField()
    joined = serializers.SerializerMethodField()
    profile = serializers.SerializerMethodField()

    @extend_schema_field(ClinicianBadgeSerializer(allow_null=True))
    def get_clinician(self, user: User) -> dict[str, Any] | None:
        return _clinician_badge(user)

    def get_joined(self, user: User) -> str:
        # Month and year only: enough to know a long-standing member, less to identify one.
        return f"{user.date_joined:%Y-%m}"

    @extend_schema_field(VisibleProfileSerializer)
    def get_profile(self, user: User) -> dict[str, Any]:
        profile = user.profile
        allowed = visible_profile_fields(viewer=self.context["viewer"], owner=user, profile=profile)
        return {
            name: (str(profile.country) if name == "country" else getattr(profile, name))
            if name in allowed
            else None
            for name in Profile.VISIBLE_FIELDS
        }


class CountryCodeField(CountryField):
    """A country as its ISO code, and only as a string (``{}`` or a number is refused, never
    read as "no country")."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class DiagnosisYearField(IntegerField):
    """A year from 1900 to this one; the schema says the same, worked out when it is made."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1900, **kwargs)

    def schema_extra(self) -> dict[str, int]:
        return {"minimum": 1900, "maximum": timezone.now().year}


class OwnProfileSerializer(ClosedSerializer):
    """The member's own profile: every field with its visibility."""

    bio = StrictCharField(max_length=2000, allow_blank=True, required=False)
    bio_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    diagnosis_year = DiagnosisYearField(allow_null=True, required=False)
    diagnosis_year_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    treatments = serializers.ListField(
        child=serializers.ChoiceField(choices=Treatment.choices),
        max_length=len(Treatment.choices),
        required=False,
    )
    treatments_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    country = CountryCodeField(allow_blank=True, required=False)
    country_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)

    def validate_diagnosis_year(self, value: int | None) -> int | None:
        if value is not None and value > timezone.now().year:
            raise serializers.ValidationError("The year of diagnosis cannot be in the future.")
        return value

    def validate_treatments(self, value: list[str]) -> list[str]:
        # Keep the member's order, drop repeats.
        return list(dict.fromkeys(value))


class MeSerializer(serializers.Serializer):
    """The signed-in member's own account, including what only they may see."""

    id = IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    trust_level = serializers.ChoiceField(choices=TrustLevel.choices)
    trust_changed_at = serializers.DateTimeField()
    suspended_until = serializers.DateTimeField(allow_null=True)
    clinician = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()
    profile = OwnProfileSerializer()

    @extend_schema_field(ClinicianBadgeSerializer(allow_null=True))
    def get_clinician(self, user: User) -> dict[str, Any] | None:
        return _clinician_badge(user)


class MeUpdateSerializer(ClosedSerializer):
    """What a member may change about themselves here. Email and password changes go
    through the authentication API, which re-verifies them."""

    display_name = StrictCharField(max_length=60, allow_blank=True, required=False)
    profile = OwnProfileSerializer(required=False)

    def validate_display_name(self, value: str) -> str:
        return " ".join(value.split())
