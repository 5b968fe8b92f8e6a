"""What members and curators may send about a resource, checked field by field: every
problem is reported at once, in the API's error shape, before anything is stored."""

import re
from typing import Any

from django.db import models

from community.resources.links import LinkError, url_normalise
from community.resources.models import Audience, Category
from config.api.errors import ApiError

TITLE_MAX = 200
SUMMARY_MAX = 5000
ORGANISATION_MAX = 200
TAGS_MAX = 8
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TAG_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Control characters: none in a one-line field; a summary keeps its line breaks and tabs.
CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REVIEW_MONTHS_MAX = 60

# What a member may send when suggesting, and a curator when editing.
EDITABLE = (
    "title",
    "url",
    "summary",
    "organisation",
    "category",
    "audience",
    "tags",
    "language",
    "review_interval_months",
)


def invalid(fields: dict[str, list[str]]) -> ApiError:
    first = next(iter(fields.values()))[0]
    return ApiError(first, code="invalid", fields=fields)


def _text(
    value: Any, *, field: str, limit: int, required: bool, errors: dict, lines: bool = False
) -> str:
    text = value.strip() if isinstance(value, str) else ""
    controls = CONTROL_IN_TEXT if lines else CONTROL_IN_LINE
    if value is not None and not isinstance(value, str):
        errors[field] = ["Send text."]
    elif controls.search(text):
        errors[field] = ["Remove the invisible control characters."]
    elif required and not text:
        errors[field] = ["This field is required."]
    elif len(text) > limit:
        errors[field] = [f"Keep this to {limit} characters or fewer."]
    return text


def _choice(value: Any, *, field: str, choices: type[models.TextChoices], errors: dict) -> str:
    if value not in choices.values:
        known = ", ".join(choices.values)
        errors[field] = [f"Choose one of: {known}."]
        return ""
    return str(value)


def _tag_slugs(value: Any, *, errors: dict) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors["tags"] = ["Send a list of tags."]
        return []
    slugs = list(dict.fromkeys(v.strip().lower() for v in value if v.strip()))
    if len(slugs) > TAGS_MAX:
        errors["tags"] = [f"Choose at most {TAGS_MAX} tags."]
    elif any(len(s) > 40 or not TAG_SLUG.match(s) for s in slugs):
        errors["tags"] = ["Tags are lower-case words joined by hyphens, e.g. “neck-pain”."]
    return slugs


def clean(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Checks a suggestion or an edit; returns the cleaned values for the fields sent, or
    raises 400 ``invalid`` with every field's problem."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    unknown = sorted(set(data) - set(EDITABLE))
    for name in unknown:
        errors[name] = ["This field cannot be set."]

    def wanted(name: str, *, required: bool = False) -> bool:
        if name in data:
            return True
        if required and not partial:
            errors[name] = ["This field is required."]
        return False

    if wanted("title", required=True):
        cleaned["title"] = _text(
            data["title"], field="title", limit=TITLE_MAX, required=True, errors=errors
        )
    if wanted("url", required=True):
        if not isinstance(data["url"], str):
            errors["url"] = ["Send the address as text."]
        else:
            try:
                cleaned["url"] = url_normalise(data["url"])
            except LinkError as exc:
                errors["url"] = [str(exc)]
    if wanted("summary"):
        cleaned["summary"] = _text(
            data["summary"],
            field="summary",
            limit=SUMMARY_MAX,
            required=False,
            errors=errors,
            lines=True,
        )
    if wanted("organisation"):
        cleaned["organisation"] = _text(
            data["organisation"],
            field="organisation",
            limit=ORGANISATION_MAX,
            required=False,
            errors=errors,
        )
    if wanted("category", required=True):
        cleaned["category"] = _choice(
            data["category"], field="category", choices=Category, errors=errors
        )
    if wanted("audience"):
        cleaned["audience"] = _choice(
            data["audience"], field="audience", choices=Audience, errors=errors
        )
    if wanted("tags"):
        cleaned["tags"] = _tag_slugs(data["tags"], errors=errors)
    if wanted("language"):
        language = data["language"]
        if not isinstance(language, str) or not LANGUAGE.match(language.strip()):
            errors["language"] = ["Give a language code such as “en” or “pt-BR”."]
        else:
            cleaned["language"] = language.strip()
    if wanted("review_interval_months"):
        months = data["review_interval_months"]
        if isinstance(months, bool) or not isinstance(months, int):
            errors["review_interval_months"] = ["Send a whole number of months."]
        elif not 1 <= months <= REVIEW_MONTHS_MAX:
            errors["review_interval_months"] = [f"Choose 1 to {REVIEW_MONTHS_MAX} months."]
        else:
            cleaned["review_interval_months"] = months
    if errors:
        raise invalid(errors)
    return cleaned
