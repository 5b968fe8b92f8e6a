from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.module_loading import import_string

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


class AccountMailHandler(Protocol):
    """Takes rendered account mail from here on: queues it, sends it, or both."""

    def __call__(
        self,
        *,
        to_email: str,
        subject: str,
        body_text: str,
        body_html: str,
        recipient: User | None,
        template: str,
    ) -> object: ...


@cache
def account_mail_handler() -> AccountMailHandler | None:
    """The function named by ``settings.ACCOUNT_MAIL_HANDLER``, or None when it is unset (then
    the adapter sends account mail itself, as allauth does)."""
    path = getattr(settings, "ACCOUNT_MAIL_HANDLER", None)
    if not path:
        return None
    handler: AccountMailHandler = import_string(path)
    return handler


@receiver(setting_changed)
def _forget_account_mail_handler(*, setting: str, **kwargs: Any) -> None:
    if setting == "ACCOUNT_MAIL_HANDLER":
        account_mail_handler.cache_clear()


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
        and hands it to ``settings.ACCOUNT_MAIL_HANDLER``: the community's outbox, which sends
        it after commit instead of talking to the mail server in the request, retries it when
        the server is away, never caps it and never adds an unsubscribe header. Without a
        handler the mail goes to the mail server at once."""
        ctx = {
            "request": allauth_context.request,
            "email": email,
            **context,
            "current_site": community_site(),
        }
        message = self.render_mail(template_prefix, email, ctx)
        handler = account_mail_handler()
        if handler is None:
            message.send()
            return
        html = ""
        if message.content_subtype == "html":
            html = str(message.body)
            text = strip_tags(html)
        else:
            text = str(message.body)
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
        handler(
            to_email=email,
            subject=str(message.subject),
            body_text=text,
            body_html=html,
            recipient=User.objects.filter(email__iexact=email).first(),
            template=template_prefix,
        )
