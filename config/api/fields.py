"""Fields every serializer of the API uses for what a client sends."""

from typing import Any

from rest_framework import serializers

from config.numbers import client_int


class StrictCharField(serializers.CharField):
    """Text, and only text: a number or a boolean is refused rather than turned into a string."""

    default_error_messages = {"not_a_string": "Enter text, not a number or another kind of value."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
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
