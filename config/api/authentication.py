from allauth.headless.contrib.rest_framework.authentication import (
    XSessionTokenAuthentication,
)
from django.http import HttpRequest


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """The app client's ``X-Session-Token``, issued by the authentication API at login.

    Naming a challenge makes an unauthenticated request answer 401 rather than 403.
    """

    def authenticate_header(self, request: HttpRequest) -> str:
        return 'Session realm="api", header="X-Session-Token"'
