from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from accounts.models import Profile, User


@dataclass(frozen=True)
class CommunitySite:
    """What account emails call the site: its name and public host, never the request's."""

    name: str
    domain: str


def community_site() -> CommunitySite:
    return CommunitySite(
        name=settings.COMMUNITY_NAME, domain=urlsplit(settings.SITE_URL).netloc or "localhost"
    )


class AccountAdapter(DefaultAccountAdapter):
    """Hooks the authentication API into our account rules."""

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> User:
        # Every account has a profile from the moment it exists.
        with transaction.atomic():
            saved: User = super().save_user(request, user, form, commit=commit)
            if commit:
                saved.email = saved.email.lower()
                saved.save(update_fields=["email"])
                Profile.objects.get_or_create(user=saved)
        return saved

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": community_site()})
