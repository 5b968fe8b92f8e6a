from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.policies import check_not_suspended


class NotSuspended(BasePermission):
    """Suspended members can read; every write answers 403 ``suspended`` with the end date."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in SAFE_METHODS:
            check_not_suspended(user=request.user)
        return True
