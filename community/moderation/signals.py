"""Keeps every process's compiled watched words current: a saved or deleted ``WatchedWord``
announces a new list version (see ``screening``). Cache upkeep only, no domain workflow."""

from typing import Any

from django.db import transaction

from community.moderation.screening import watched_words_changed


def on_watched_word_changed(**kwargs: Any) -> None:
    # Now, so the next post in this transaction sees it, and again once committed, so that a
    # process which reloaded in between (still reading the old rows) reloads once more.
    watched_words_changed()
    transaction.on_commit(watched_words_changed, using=kwargs.get("using"))
