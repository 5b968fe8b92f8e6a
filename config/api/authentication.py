from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.http import HttpRequest
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from config.api.errors import CSRF_FAILED_MESSAGE, ApiError


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """The app client's ``X-Session-Token``, issued by the authentication API at login.

    Naming a challenge makes an unauthenticated request answer 401 rather than 403.
    """

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
