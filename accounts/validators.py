"""Rules for the public pseudonym (``username``)."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,30}$")

# Names that could pass for staff, the system or another person's role.
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "staff",
        "moderator",
        "moderators",
        "mod",
        "mods",
        "support",
        "help",
        "helpdesk",
        "team",
        "official",
        "security",
        "abuse",
        "postmaster",
        "webmaster",
        "noreply",
        "no-reply",
        "info",
        "contact",
        "api",
        "www",
        "anonymous",
        "a-member",
        "member",
        "members",
        "everyone",
        "here",
        "all",
        "null",
        "none",
        "undefined",
        "me",
        "self",
        "doctor",
        "nurse",
        "clinician",
        "crisis",
    }
)


@deconstructible
class UsernameValidator:
    """3 to 30 letters, digits, underscores or hyphens, and not a reserved name."""

    def __call__(self, value: str) -> None:
        if not USERNAME_PATTERN.fullmatch(value or ""):
            raise ValidationError(
                "Use 3 to 30 letters, digits, underscores or hyphens.",
                code="invalid_username",
            )
        if value.lower() in RESERVED_USERNAMES:
            raise ValidationError("This name is reserved. Choose another.", code="reserved")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UsernameValidator)


validate_username = UsernameValidator()
