"""What members and curators may send about a resource: one serializer, run by the API's
suggest and edit and by the admin's form, so each reports a problem the same way and the
schema documents the same contract. Every field's problem is reported at once, before
anything is stored.

The fields check input themselves (``run_validation``) rather than through DRF's defaults:
text is stripped before it is measured, a value of the wrong kind is named as such, and each
sentence is one a member can act on. Their declared limits are the ones the schema shows.
"""

import re
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from community.resources.links import MAX_LENGTH as URL_MAX
from community.resources.links import LinkError, url_normalise
from community.resources.models import Audience, Category
from config.api.errors import ApiError
from config.api.fields import SPACE, SPACE_CHARS, ClosedSerializer, IntegerField

TITLE_MAX = 200
SUMMARY_MAX = 5000
ORGANISATION_MAX = 200
TAGS_MAX = 8
TAG_MAX = 40
REVIEW_MONTHS_MAX = 60
# A language and at most one region or script: "en", "pt-BR", "zh-Hant".
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
TAG_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Control characters: none in a one-line field; a summary keeps its line breaks and tabs.
CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same sets, as the schema's patterns spell a character that is allowed.
ALLOWED_IN_LINE = r"[^\u0000-\u001f\u007f]"
ALLOWED_IN_TEXT = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]"


def invalid(fields: Mapping[str, list[Any]]) -> ApiError:
    """The API's ``invalid`` for these fields' problems, the first one as its message: 400,
    or 422 when every problem is a well-formed link that cannot be used (a private host)."""
    plain = {name: [str(problem) for problem in problems] for name, problems in fields.items()}
    first = next(iter(plain.values()))[0]
    codes = {getattr(problem, "code", None) for problems in fields.values() for problem in problems}
    status = 422 if codes == {"unusable_link"} else 400
    return ApiError(first, code="invalid", status_code=status, fields=plain)


class _Checked:
    """A field that checks what was sent itself: a field that was not sent is required or
    skipped as usual; anything else, ``null`` included, goes to ``check``."""

    def run_validation(self, data: Any = empty) -> Any:
        if data is empty:
            return super().run_validation(data)  # type: ignore[misc]
        return self.check(data)

    def check(self, data: Any) -> Any:
        raise NotImplementedError


class TextField(_Checked, serializers.CharField):
    """Text, stripped; required means not empty. ``lines`` keeps line breaks and tabs."""

    default_error_messages = {
        "not_text": "Send text.",
        "control": "Remove the invisible control characters.",
        "required": "This field is required.",
        "max_length": "Keep this to {max_length} characters or fewer.",
    }

    def __init__(self, *, lines: bool = False, **kwargs: Any) -> None:
        self.controls = CONTROL_IN_TEXT if lines else CONTROL_IN_LINE
        super().__init__(**kwargs)
        # The same rule for the schema: white space around, no control character within,
        # and (when required) something that is not white space. Written so that no two
        # repeats can take the same character: a client's check stays linear in the length.
        allowed = (
            r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]"
            if lines
            else r"[^\u0000-\u001f\u007f]"
        )
        solid = allowed[:-1] + SPACE_CHARS + "]"
        text = f"{solid}(?:{allowed}*{solid})?"
        pattern = (
            rf"^{SPACE}*{text}{SPACE}*$" if self.required else rf"^{SPACE}*(?:{text}{SPACE}*)?$"
        )
        self.schema_extra: dict[str, Any] = {"pattern": pattern}
        if not self.required:
            self.schema_extra["minLength"] = 0  # white space alone is "nothing said"

    def check(self, data: Any) -> str:
        if not isinstance(data, str):  # null too: leave the field out to say nothing
            self.fail("not_text")
        text = data.strip()
        if self.controls.search(text):
            self.fail("control")
        if self.required and not text:
            self.fail("required")
        # Measured as sent, as the schema's maxLength is.
        if self.max_length is not None and isinstance(data, str) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return text


class LinkField(_Checked, serializers.CharField):
    """A web address, in the one spelling the library stores (see ``links``)."""

    default_error_messages = {"not_text": "Send the address as text."}
    schema_extra = {
        "format": "uri",
        "pattern": rf"^{SPACE}*[Hh][Tt][Tt][Pp][Ss]?://[^{SPACE_CHARS}\u0000-\u001f]+{SPACE}*$",
    }

    def check(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        try:
            return url_normalise(data)
        except LinkError as exc:
            raise serializers.ValidationError(str(exc), code=exc.code) from exc


class OneOfField(_Checked, serializers.ChoiceField):
    """One of the choices, exactly as spelled."""

    default_error_messages = {"invalid_choice": "Choose one of: {known}."}

    def check(self, data: Any) -> str:
        if not isinstance(data, str) or data not in self.choices:
            self.fail("invalid_choice", known=", ".join(self.choices))
        return data


class TagSlugsField(_Checked, serializers.ListField):
    """Tags by slug: lower-cased, each once, in the order sent."""

    schema_extra = {
        "items": {
            "type": "string",
            "pattern": rf"^{SPACE}*[A-Za-z0-9]+(-[A-Za-z0-9]+)*{SPACE}*$",
            "maxLength": TAG_MAX,
        }
    }

    default_error_messages = {
        "not_a_list": "Send a list of tags.",
        "max_length": "Choose at most {max_length} tags.",
        "not_slugs": "Tags are lower-case words joined by hyphens, e.g. “neck-pain”.",
    }

    def check(self, data: Any) -> list[str]:
        if not isinstance(data, list | tuple) or not all(isinstance(v, str) for v in data):
            self.fail("not_a_list")
        # Counted and measured as sent, as the schema's maxItems and maxLength are.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        if any(len(v) > TAG_MAX or not TAG_SLUG.match(v.strip().lower()) for v in data):
            self.fail("not_slugs")
        return list(dict.fromkeys(v.strip().lower() for v in data))


class LanguageField(_Checked, serializers.CharField):
    default_error_messages = {"invalid": "Give a language code such as “en” or “pt-BR”."}
    schema_extra = {"pattern": rf"^{SPACE}*[a-z]{{2,3}}(-[A-Za-z0-9]{{2,8}})?{SPACE}*$"}

    def check(self, data: Any) -> str:
        if not isinstance(data, str) or not LANGUAGE.match(data.strip()):
            self.fail("invalid")
        return data.strip()


class MonthsField(_Checked, IntegerField):
    default_error_messages = {
        "invalid": "Send a whole number of months.",
        "out_of_range": "Choose {min_value} to {max_value} months.",
    }

    def check(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        if not self.min_value <= data <= self.max_value:
            self.fail("out_of_range", min_value=self.min_value, max_value=self.max_value)
        return data


# A suggestion, a member's fix of it, or a curator's edit (``partial``: only the fields sent).
# A field it does not know is refused, not ignored. With ``own_suggestion`` in the context (a
# member fixing their waiting suggestion) the review interval is the curators'.
# ``is_valid(raise_exception=True)`` raises the API's 400 ``invalid``; ``validated_data`` holds
# the cleaned values by the names the services take. (No docstring: the schema would show it.)
class ResourceInputSerializer(ClosedSerializer):
    title = TextField(max_length=TITLE_MAX)
    url = LinkField(max_length=URL_MAX, help_text="An absolute http:// or https:// address.")
    summary = TextField(required=False, lines=True, max_length=SUMMARY_MAX, help_text="Markdown.")
    organisation = TextField(required=False, max_length=ORGANISATION_MAX)
    category = OneOfField(choices=Category.choices)
    audience = OneOfField(choices=Audience.choices, required=False)
    tags = TagSlugsField(
        child=serializers.SlugField(max_length=TAG_MAX), required=False, max_length=TAGS_MAX
    )
    language = LanguageField(required=False, help_text="e.g. en, pt-BR.")
    review_interval_months = MonthsField(
        required=False, min_value=1, max_value=REVIEW_MONTHS_MAX, help_text="Curators."
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)
        if self.context.get("own_suggestion") and "review_interval_months" in data:
            raise ApiError(
                "Curators set how often a resource is reviewed.",
                code="permission_denied",
                status_code=403,
                fields={"review_interval_months": ["Curators set how often it is reviewed."]},
            )
        return super().to_internal_value(data)

    def is_valid(self, *, raise_exception: bool = False) -> bool:
        valid = super().is_valid()
        if not valid and raise_exception:
            raise invalid(self.errors)
        return valid
