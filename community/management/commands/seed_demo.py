"""Loads the demo community for the laptop default. Safe to run again: nothing is duplicated."""

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, Role, Treatment, TrustLevel, User, Visibility

DEMO_PASSWORD = "demo-neck-2026"  # noqa: S105 (printed for the laptop demo only)

DEMO_USERS: list[dict[str, Any]] = [
    {
        "username": "harriet",
        "email": "admin@example.com",
        "display_name": "Harriet (site admin)",
        "role": Role.ADMIN,
        "trust_level": TrustLevel.ESTABLISHED,
        "profile": {"bio": "I look after the site for the charity.", "country": "GB"},
    },
    {
        "username": "sam_moderates",
        "email": "moderator@example.com",
        "display_name": "Sam",
        "role": Role.MODERATOR,
        "trust_level": TrustLevel.ESTABLISHED,
        "profile": {
            "bio": "Diagnosed in 2012. Volunteer moderator; message me if something is wrong.",
            "diagnosis_year": 2012,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.PHYSICAL_THERAPY],
            "country": "GB",
        },
    },
    {
        "username": "jo_tilts_left",
        "email": "member@example.com",
        "display_name": "Jo",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "profile": {
            "bio": "Laterocollis since 2019. Injections every 12 weeks, yoga on good days.",
            "bio_visibility": Visibility.PUBLIC,
            "diagnosis_year": 2019,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.YOGA],
            "country": "IE",
        },
    },
    {
        "username": "newly_diagnosed_lee",
        "email": "newcomer@example.com",
        "display_name": "Lee",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.NEW,
        "profile": {"bio": "Just diagnosed. Trying to understand what comes next."},
    },
]


class Command(BaseCommand):
    help = "Create the demo accounts (laptop default only) and print where to find everything."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for the laptop default only (DEBUG on).")
        with transaction.atomic():
            for spec in DEMO_USERS:
                self._ensure_user(spec)
        self._print_summary()

    def _ensure_user(self, spec: dict[str, Any]) -> None:
        user = User.objects.filter(username__iexact=spec["username"]).first()
        if user is None:
            user = User.objects.create_user(
                spec["email"],
                spec["username"],
                DEMO_PASSWORD,
                display_name=spec["display_name"],
                role=spec["role"],
                trust_level=spec["trust_level"],
                is_staff=spec["role"] != Role.MEMBER,
                is_superuser=spec["role"] == Role.ADMIN,
                date_joined=timezone.now(),
            )
            Profile.objects.filter(user=user).update(**spec["profile"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    def _print_summary(self) -> None:
        site = settings.SITE_URL
        out = self.stdout
        out.write(self.style.SUCCESS("Demo community ready."))
        out.write(f"  Site:      {site}/")
        out.write(f"  Admin:     {site}/admin/")
        out.write(f"  API docs:  {site}/api/docs/")
        out.write(f"  Auth API:  {site}/api/auth/openapi.html")
        if getattr(settings, "EMAIL_FILE_PATH", None):
            out.write(f"  Mail:      written to {settings.EMAIL_FILE_PATH}")
        out.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in DEMO_USERS:
            out.write(f"    {spec['role']:<10} {spec['email']:<24} @{spec['username']}")
