from typing import Any

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.http import HttpRequest
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from config.api.errors import CSRF_FAILED_MESSAGE, ApiError


class SessionExpired(ApiError, exceptions.AuthenticationFailed):
    """A session token that signs no one in: 401 with the challenge, so an app can ask its
    member to sign in again instead of showing them the visitor's view."""

    status_code = 401


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """The app client's ``X-Session-Token``, issued by the authentication API at login.

    A token that was sent but signs no one in (garbage, expired, signed out, a sign-in not
    finished) is 401 ``session_expired`` on every endpoint, never a silent visitor. Naming a
    challenge makes an unauthenticated request answer 401 rather than 403.
    """

    def authenticate(self, request: HttpRequest) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is None and self.get_session_token(request):
            raise SessionExpired(
                "Your session has ended. Sign in again to carry on.", code="session_expired"
            )
        return found

    def authenticate_header(self, request: HttpRequest) -> str:
        return 'Session realm="api", header="X-Session-Token"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser client's session cookie; writes need the ``X-CSRFToken`` header."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            # The same code the authentication API gives, so clients handle one case.
            raise ApiError(
                CSRF_FAILED_MESSAGE,
                code="csrf_failed",
                status_code=403,
            ) from None
