from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.http import HttpRequest

from accounts.models import Profile, User


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
