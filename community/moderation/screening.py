"""What a new or edited post is checked for before it is saved: watched words and crisis
phrases. Matching only: it writes nothing to the database (it reads the watched words, and
keeps their version token in the shared cache). Telling moderators of a post it held or
marked urgent is ``services.alerts``'s, once the post is saved.

Matching. Text and phrases are normalised the same way (``normalise``): NFKC, case-folded,
invisible format characters dropped, typographic apostrophes and hyphens folded to ``'`` and
``-``, Markdown emphasis markers (``* _ ~ ```) dropped so "I want to *die*" still reads "I want
to die", and every run of whitespace made one space. A match must not start or end inside a
word: the phrase "end it" finds "I want to end it." but not "bend items". Regular expressions
run on the same normalised text, case-insensitively, with the same edges.

Catastrophic backtracking. Watched regexes run on the third-party ``regex`` engine, whose
``timeout`` bounds every match: a pattern that takes longer than ``MATCH_TIMEOUT_SECONDS`` on
a post holds that post for a moderator (and is logged) rather than letting it through or
stalling the request. On save a regex is also tried against long adversarial texts built
from its own characters and refused when any takes more than ``PROBE_TIMEOUT_SECONDS``, so
moderators hear about a bad pattern in the admin form, not from a stuck post. (Refusing
nested quantifiers statically misses cases like ``(a|aa)+``, and the standard ``re`` module
has no time bound at all.)

Caching. The compiled list lives in process memory, tagged with a version token kept in the
shared cache; saving or deleting a ``WatchedWord`` (``signals.py``) writes a new token, so
every web and worker process reloads the list before it screens its next post. Screening a
post costs one cache read and no database query unless the list changed.
"""

import logging
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import regex
from django.core.cache import cache
from django.core.exceptions import ValidationError

from community.moderation import crisis
from community.moderation.models import WatchedWord, WatchedWordAction
from config.api.errors import ApiError

logger = logging.getLogger(__name__)

# A post is at most 20,000 characters (and a title 150): probes use texts that long.
LONGEST_TEXT = 20_200
MATCH_TIMEOUT_SECONDS = 0.2
PROBE_TIMEOUT_SECONDS = 0.05
# A process rereads the list at least this often, even if no change was announced (a row
# changed with ``QuerySet.update`` sends no signal).
MAX_AGE_SECONDS = 300.0
VERSION_KEY = "moderation:watched-words:version"

_FLAGS = regex.IGNORECASE | regex.FULLCASE | regex.UNICODE
# Not inside a word: no word character on both sides of the match's start, nor of its end.
_EDGE = r"(?:(?<!\w)|(?!\w))"
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032\u00b4`", "'"))
_HYPHENS = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_EMPHASIS = str.maketrans(dict.fromkeys("*_~", None))
# Invisible characters (zero-width spaces and joiners, soft hyphens) that split a word unseen.
_FORMAT = regex.compile(r"\p{Cf}+")


@dataclass
class Screening:
    # A watched word asks for the post to be held for approval.
    hold: bool = False
    # A crisis phrase matched: moderators are alerted at once.
    urgent: bool = False
    reasons: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """The text as matching sees it (see the module docstring)."""
    text = _FORMAT.sub("", unicodedata.normalize("NFKC", text))
    text = text.translate(_APOSTROPHES).translate(_HYPHENS).casefold().translate(_EMPHASIS)
    return " ".join(text.split())


def _bounded(body: str) -> Any:
    return regex.compile(f"{_EDGE}(?:{body}){_EDGE}", _FLAGS)


def _phrase_body(phrase: str) -> str:
    words = normalise(phrase).split(" ")
    return r"[\s-]".join(regex.escape(word) for word in words)


def compile_watched(*, pattern: str, is_regex: bool) -> Any:
    """The compiled matcher of a watched word; raises ``regex.error`` for a bad regex."""
    return _bounded(pattern if is_regex else _phrase_body(pattern))


def _probe_texts(pattern: str) -> list[str]:
    """Long texts that make a backtracking pattern show itself: runs of the pattern's own
    letters and words (alone and spaced), ending in a character nothing expects."""
    folded = normalise(pattern)
    words = sorted(set(regex.findall(r"\w{2,}", folded)), key=len)[:6]
    chars = sorted({c for c in folded if c.isalnum()})[:8]
    texts = []
    for unit in dict.fromkeys(["a", "1", *chars, *words]):
        for piece in (unit, unit + " "):
            texts.append(piece * (LONGEST_TEXT // len(piece)) + "\u2603")
    texts.append(" " * LONGEST_TEXT + "\u2603")
    return texts


def validate_watched_word(*, pattern: str, is_regex: bool) -> None:
    """Raises ``ValidationError`` (on ``pattern``) for a regex that does not compile, one that
    matches every post, or one that backtracks catastrophically on long texts."""
    if not normalise(pattern):
        raise ValidationError({"pattern": "Enter a word or phrase."})
    try:
        if is_regex:
            regex.compile(pattern, _FLAGS)  # errors at the moderator's own positions
        compiled = compile_watched(pattern=pattern, is_regex=is_regex)
    except (regex.error, ValueError, OverflowError) as exc:
        raise ValidationError(
            {"pattern": f"This is not a valid regular expression: {exc}."}
        ) from None
    if compiled.search("") is not None:
        raise ValidationError(
            {"pattern": "This pattern matches an empty text, so it would match every post."}
        )
    if not is_regex:
        return
    for text in _probe_texts(pattern):
        try:
            compiled.search(text, timeout=PROBE_TIMEOUT_SECONDS)
        except TimeoutError:
            raise ValidationError(
                {
                    "pattern": "This regular expression takes too long on long posts: it can "
                    "backtrack catastrophically. Avoid repeats inside repeats, such as (a+)+ "
                    "or (\\w+\\s?)*, and alternatives that overlap, such as (a|aa)*."
                }
            ) from None


# --- The cached list ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    pattern: str
    action: str
    compiled: Any


@dataclass(frozen=True)
class _Rules:
    token: str
    loaded_at: float
    rules: tuple[_Rule, ...]


_cached: _Rules | None = None
_CRISIS_LABELS = {f"c{i}": label for i, (label, _) in enumerate(crisis.phrase_patterns())}
_CRISIS = _bounded(
    "|".join(f"(?P<c{i}>{pattern})" for i, (_, pattern) in enumerate(crisis.phrase_patterns()))
)


def watched_words_changed() -> None:
    """Tells every process to reload the watched words before it screens its next post."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.exception("could not announce a change of watched words")


def _version() -> str | None:
    """The current list's token (made when the cache has none); None if the cache is down."""
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(VERSION_KEY)
    except Exception:
        logger.exception("could not read the watched words' version")
        return None
    return str(token) if token is not None else None


def _load(token: str) -> _Rules:
    rules = []
    for pattern, is_regex, action in WatchedWord.objects.order_by("pk").values_list(
        "pattern", "is_regex", "action"
    ):
        try:
            compiled = compile_watched(pattern=pattern, is_regex=is_regex)
        except (regex.error, ValueError, OverflowError):
            # Saved around validation (a bulk insert): skipped, and said so, not a 500.
            logger.error("watched word %r is not a valid regular expression", pattern)
            continue
        rules.append(_Rule(pattern=pattern, action=action, compiled=compiled))
    return _Rules(token=token, loaded_at=time.monotonic(), rules=tuple(rules))


def _rules() -> tuple[_Rule, ...]:
    global _cached
    token = _version()
    cached = _cached
    fresh = cached is not None and time.monotonic() - cached.loaded_at < MAX_AGE_SECONDS
    if cached is not None and fresh and (token is None or token == cached.token):
        return cached.rules
    cached = _load(token or "")
    _cached = cached
    return cached.rules


# --- Screening ----------------------------------------------------------------------------
def _crisis_labels(text: str) -> list[str] | None:
    """Labels of the crisis phrases in ``text``; None if it could not be checked in time."""
    try:
        found = [m.lastgroup for m in _CRISIS.finditer(text, timeout=MATCH_TIMEOUT_SECONDS)]
    except TimeoutError:
        return None
    return list(dict.fromkeys(_CRISIS_LABELS[name] for name in found if name))


def screen(*, text: str) -> Screening:
    """Checks text against watched words and crisis phrases. Raises ``ApiError`` (400
    ``watched_word``) when a blocking word matches, unless the text is also a crisis post:
    that one is held for a moderator instead, so a member in crisis is never turned away."""
    normal = normalise(text)
    result = Screening()
    blocked: list[str] = []
    for rule in _rules():
        try:
            found = rule.compiled.search(normal, timeout=MATCH_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.error("watched word %r timed out; the post is held", rule.pattern)
            result.hold = True
            result.reasons.append(f"Watched word “{rule.pattern}” could not be checked in time")
            continue
        if found is None:
            continue
        if rule.action == WatchedWordAction.BLOCK:
            blocked.append(found.group().strip())
        elif rule.action == WatchedWordAction.REQUIRE_APPROVAL:
            result.hold = True
            result.reasons.append(f"Watched word “{rule.pattern}”: held for approval")
        else:
            result.urgent = True
            result.reasons.append(f"Watched word “{rule.pattern}”: possible crisis")
    labels = _crisis_labels(normal)
    if labels is None:
        result.hold = True
        result.reasons.append("Crisis phrases could not be checked in time")
    elif labels:
        result.urgent = True
        result.reasons += [f"Crisis phrase “{label}”" for label in labels]
    if blocked and result.urgent:
        result.hold = True
        result.reasons.append("Blocked words in a crisis post: held instead of refused")
    elif blocked:
        message = (
            f"Your post contains “{blocked[0]}”, which is not allowed here. Nothing was "
            "posted: change it and post again (your draft is kept)."
        )
        raise ApiError(message, code="watched_word", status_code=422, fields={"body": [message]})
    return result
