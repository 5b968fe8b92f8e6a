from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text, and only text: a number or a boolean is refused rather than turned into a string."""

    default_error_messages = {"not_a_string": "Enter text, not a number or another kind of value."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
