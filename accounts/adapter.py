from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import strip_tags

from accounts.models import Profile, User
from community.notifications.outbox.write import essential_enqueue


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
        """Renders account mail (verification, password reset, "someone used your address")
        and queues it in the outbox instead of talking to the mail server in the request: it
        is sent after commit, retried when the server is away, never capped and never carries
        an unsubscribe header."""
        ctx = {
            "request": allauth_context.request,
            "email": email,
            **context,
            "current_site": community_site(),
        }
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        if message.content_subtype == "html":
            html = str(message.body)
            text = strip_tags(html)
        else:
            text = str(message.body)
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
        essential_enqueue(
            to_email=email,
            subject=str(message.subject),
            body_text=text,
            body_html=html,
            recipient=User.objects.filter(email__iexact=email).first(),
            template=template_prefix,
        )
