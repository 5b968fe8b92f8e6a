"""What every admin page shares: turning service refusals into messages, the page that asks
what a bulk action needs, and small helpers for lists that must stay fast.

It names no domain code: each app's admin hands it the service calls to run."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config.api.errors import ApiError

# Refusals a service may raise; each becomes an error message, never a 500.
REFUSALS = (ApiError, Http404, PermissionDenied, ValidationError)


def refusal_message(exc: Exception) -> str:
    """The sentence a service's refusal carries, for an admin message."""
    if isinstance(exc, ApiError):
        return str(exc.detail)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, Http404):
        return "It no longer exists, or you cannot act on it."
    return "You do not have permission to do this."


@dataclass
class Tally:
    """What a batch of service calls did, told back as one message per outcome."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def run(self, label: str, call: Callable[[], Any]) -> None:
        try:
            result = call()
        except REFUSALS as exc:
            self.refused.append(f"{label}: {refusal_message(exc)}")
            return
        (self.changed if result.changed else self.unchanged).append(label)

    def report(self, request: HttpRequest, *, done: str, already: str) -> None:
        """``done`` and ``already`` are sentences about the listed items, e.g. "Approved"."""
        if self.changed:
            messages.success(request, f"{done}: {', '.join(self.changed)}.")
        if self.unchanged:
            messages.info(request, f"{already}: {', '.join(self.unchanged)}.")
        for line in self.refused:
            messages.error(request, f"Not done for {line}")


def action_form_response(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    action: str,
    title: str,
    intro: str,
    form: forms.Form,
    items: list[str],
    ids: list[Any],
    submit: str,
) -> TemplateResponse:
    """The page between choosing a bulk action and running it, asking what the action needs
    (a reason, a date); it posts back to the list with the same selection."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "intro": intro,
        "form": form,
        "items": items,
        "ids": ids,
        "action": action,
        "submit": submit,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/moderation/action_form.html", context)


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def shorten(text: str | None, chars: int) -> str:
    """The start of a text, with an ellipsis when cut. Plain slicing: lists call it per row."""
    text = text or ""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def object_url(name: str, pk: int) -> str:
    """An admin page's address for a row, without a URL resolver lookup per row."""
    return _url_pattern(name).format(pk)


@cache
def _url_pattern(name: str) -> str:
    return reverse(f"admin:{name}", args=[0]).replace("/0/", "/{}/")


class PlainActionCheckbox:
    """The row checkbox written as HTML: the admin's own renders a form widget through the
    template engine for every row, which cost the queue page a third of its time."""

    def action_checkbox(self, obj: Any) -> SafeString:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            str(obj),
        )
