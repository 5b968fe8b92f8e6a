"""Crisis safety: the built-in crisis phrases, and the check of the crisis settings. Who sees an
urgent post while it waits, and the helplines its author is shown, are the forum's rules
(``community.forum.policies``): they decide what a viewer sees.

The phrases are matched against text already normalised by ``screening.normalise`` (NFKC,
case-folded, one space between words, typographic apostrophes and hyphens folded, Markdown
emphasis markers dropped), so each is written in lower case with plain ``'`` and ``-``.

Where to draw the line: a missed cry for help is worse than a moderator glancing at a post
that turns out fine, so the phrases lean towards catching too much. They take every spelling
of a phrase (``don't``/``dont``/``do not``, ``anymore``/``any more``, ``self harm``/
``self-harm``/``selfharm``) and they do not try to read negation ("I'm not suicidal" still
alerts). What they leave out is everyday talk of pain that is not about dying or self-harm
("I can't take this pain anymore", "this is killing me"), which would alert moderators many
times a day in a chronic-pain community, and bare words with common harmless senses
("overdose", "cut myself", "kms"). Moderators add their own phrases as watched words with the
``flag_crisis`` action.
"""

from typing import Any

from django.conf import settings
from django.core import checks

from community.forum.policies import CRISIS_VISIBILITY_CHOICES, crisis_visibility

# Between two words (a space in a phrase below): a space or a hyphen; words that may also be
# written as one take ``_JOIN``.
_GAP = r"[\s-]"
_JOIN = r"[\s-]?"
_NOT = "(?:don'?t|do not)"
_MORE = f"any{_JOIN}more"
_MYSELF = f"my{_JOIN}self"

# (label shown to moderators, pattern). Patterns use no nested repeats: they run on every post.
DEFAULT_PHRASES: tuple[tuple[str, str], ...] = (
    ("kill myself", f"kill(?:ing|ed)? {_MYSELF}"),
    ("unalive myself", f"unaliv(?:e|ing|ed) {_MYSELF}"),
    ("end it all", "end(?:ing|ed|s)? it all"),
    ("want to end it", "(?:want(?:s|ed)? to|wanna) end it"),
    ("end my life", "end(?:ing|ed)? my (?:own )?life"),
    ("take my own life", "(?:take|taking|took) my (?:own )?life"),
    ("take an overdose", "(?:take|taking|took) an overdose"),
    ("suicidal", "suicid(?:e|es|al|ality)"),
    ("self-harm", f"self{_JOIN}harm(?:s|ed|ing)?"),
    ("self-injury", f"self{_JOIN}injur(?:y|ies|e|ed|ing)"),
    ("hurt myself", f"hurt(?:s|ing)? {_MYSELF}"),
    ("harm myself", f"harm(?:s|ed|ing)? {_MYSELF}"),
    ("want to die", "(?:want(?:s|ed)? to|wanna) die"),
    ("wish I was dead", "wish i (?:was|were) dead"),
    ("wish I could die", "wish i (?:could|would) (?:just )?die"),
    ("better off dead", "(?:better off|rather be) dead"),
    ("better off without me", "(?:better|happier) off without me"),
    ("don't want to be here anymore", f"{_NOT} want to be here (?:{_MORE}|no more)"),
    ("don't want to be alive", f"{_NOT} want to (?:be alive|exist|wake up)"),
    (
        "don't want to live anymore",
        f"{_NOT} want to (?:live|go on|carry on)(?: {_MORE}| like this)",
    ),
    ("no reason to live", "no (?:reason|point) (?:to|in) (?:live|living|go(?:ing)? on)"),
    ("nothing to live for", "nothing (?:left )?to live for"),
    ("not worth living", "(?:not|isn'?t|wasn'?t|ain'?t) worth living"),
    ("can't go on", f"(?:can'?t|cannot|can not) go on(?: {_MORE}| like this)"),
)


def phrase_patterns() -> list[tuple[str, str]]:
    """The built-in phrases as (label, regular expression), a space matching a gap."""
    return [(label, pattern.replace(" ", _GAP)) for label, pattern in DEFAULT_PHRASES]


_RESOURCE_KEYS = {"region", "name", "contact", "url"}


def check_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """A mistyped crisis setting is caught when the site starts, not when someone needs it."""
    errors: list[checks.CheckMessage] = []
    if crisis_visibility() not in CRISIS_VISIBILITY_CHOICES:
        errors.append(
            checks.Error(
                "MODERATION_CRISIS_VISIBILITY must be one of "
                f"{', '.join(CRISIS_VISIBILITY_CHOICES)}.",
                id="moderation.E001",
            )
        )
    resources = settings.MODERATION_CRISIS_RESOURCES
    if not resources or any(
        not isinstance(r, dict) or set(r) != _RESOURCE_KEYS or not r["name"] for r in resources
    ):
        errors.append(
            checks.Error(
                "MODERATION_CRISIS_RESOURCES must be a non-empty list of "
                "{region, name, contact, url} entries.",
                id="moderation.E002",
            )
        )
    return errors
