"""Watched words, managed by moderators: checked on save so screening can always use them."""

from typing import Any

from django import forms
from django.contrib import admin

from community.moderation import screening
from community.moderation.models import (
    WatchedWord,
)


class WatchedWordForm(forms.ModelForm):
    class Meta:
        model = WatchedWord
        fields = ["pattern", "is_regex", "action", "note"]

    def clean(self) -> dict[str, Any]:
        """Refuses what screening could not use: a broken regex, one that matches every post,
        or one that backtracks catastrophically; the reason shows under the pattern."""
        cleaned = super().clean() or {}
        if "pattern" not in self.errors and cleaned.get("pattern"):
            screening.validate_watched_word(
                pattern=cleaned["pattern"], is_regex=bool(cleaned.get("is_regex"))
            )
        return cleaned


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    form = WatchedWordForm
    list_display = ["pattern", "is_regex", "action", "note", "updated_at"]
    list_filter = ["action", "is_regex"]
    search_fields = ["pattern", "note"]
    ordering = ["pattern", "id"]
    show_full_result_count = False
    list_per_page = 100
    fields = ["pattern", "is_regex", "action", "note"]
