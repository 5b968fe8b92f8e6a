"""The one permission class of the moderation API."""

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from community.moderation import policies


class ModeratorsOnly(BasePermission):
    """Moderation endpoints ask a visitor to sign in (401, as every endpoint does) and do not
    exist for a member who is not a moderator or an admin (404, never 403). A view names the
    page its reads show (``moderation_page``); whether a suspended moderator may read it, or
    do anything else, is ``policies.check_can_moderate``'s decision (403 ``suspended``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        page = getattr(view, "moderation_page", None) if request.method in SAFE_METHODS else None
        policies.check_can_moderate(viewer=request.user, reading=page)
        return True
