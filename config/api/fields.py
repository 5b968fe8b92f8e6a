"""Fields every serializer of the API uses for what a client sends."""

from typing import Any

from rest_framework import serializers

from config.numbers import client_int

# White space as the server trims it (Python's ``str.strip``), for schema patterns: a
# pattern's ``\s`` is ECMAScript's, which leaves out U+001C-U+001F and U+0085 and takes
# U+FEFF, so " \u0085" would be text to a client and blank to the server.
SPACE_CHARS = (
    r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029"
    r"\u202f\u205f\u3000"
)
SPACE = f"[{SPACE_CHARS}]"
# A character that is neither white space nor NUL.
SOLID = rf"[^{SPACE_CHARS}\u0000]"


class StrictCharField(serializers.CharField):
    """Text, and only text: a number or a boolean is refused rather than turned into a string.
    ``max_length`` counts the text as sent, white space around it included, as the schema's
    ``maxLength`` does (DRF's own counts it after trimming)."""

    default_error_messages = {"not_a_string": "Enter text, not a number or another kind of value."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class IntegerField(serializers.IntegerField):  # noqa: TID251 (the one subclass)
    """DRF's integer field, taking a whole number or a string of ASCII digits only (DRF's
    also takes other scripts' digits and ``"1.0"``). The project uses no other."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        value = client_int(data)
        if value is None:
            self.fail("invalid")
        return super().to_internal_value(value)


class BooleanField(serializers.BooleanField):  # noqa: TID251 (the one subclass)
    """DRF's boolean field, taking JSON's true and false only (DRF's also takes "yes", 1 and
    "on", which the schema does not allow). The project uses no other."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ClosedSerializer(serializers.Serializer):
    """An input that names every field it takes: a field it does not know is refused (400,
    naming it) rather than ignored, so a typo never looks like a saved change."""

    def to_internal_value(self, data: Any) -> Any:
        names = set(data) - set(self.fields) if isinstance(data, dict) else set()
        unknown = {name: ["This field is not known here."] for name in sorted(names)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            raise serializers.ValidationError({**unknown, **detail}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
