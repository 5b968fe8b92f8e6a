"""Rate and size limits on posting: flood control for everyone, quotas and a link limit for new
members.

Every number is a setting (``MODERATION_*``), read at call time. The checks run before
anything is written, so a refusal leaves no post, no thread and the member's draft as it was.
Cost: nothing for moderators, one indexed query for everyone else (the author's latest post,
plus their counts while they are in their first day).
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import TrustLevel, User
from community.forum.markdown import render_markdown
from community.forum.models import Post
from config.api.errors import ApiError

QUOTA_WINDOW = timedelta(hours=24)

# A link as members see it: an anchor that kept its address through sanitising (bare URLs
# and e-mail addresses are linkified; images are shown as links).
_RENDERED_LINK = re.compile(r"<a\s[^>]*\bhref=")


@dataclass(frozen=True)
class _History:
    latest: datetime | None
    threads: int = 0
    replies: int = 0


def _is_new(author: User) -> bool:
    return author.trust_level == TrustLevel.NEW and not author.is_moderator


def _in_first_day(author: User, now: datetime) -> bool:
    return now < author.date_joined + QUOTA_WINDOW


def link_count(body: str) -> int:
    """Links in ``body`` counted the way the post will render them."""
    return len(_RENDERED_LINK.findall(render_markdown(body)))


def _in_words(seconds: int) -> str:
    """A wait as a person would say it: "in 8 seconds", "in 3 minutes", "in about 5 hours"."""
    if seconds < 60:
        return f"in {seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600) or 1
    return f"in about {hours} hour{'s' if hours != 1 else ''}"


def _wait(message: str, *, code: str, seconds: float) -> ApiError:
    retry_after = max(1, math.ceil(seconds))
    return ApiError(
        message.format(when=_in_words(retry_after)),
        code=code,
        status_code=429,
        extra={"retry_after": retry_after},
    )


def _history(*, author: User, with_counts: bool) -> _History:
    """The author's latest post (for flood control) and, while they are in their first day,
    how many threads and replies they posted: one query on ``forum_post_author``."""
    posts = Post.objects.filter(author=author)
    if not with_counts:
        latest = posts.order_by("-created_at").values_list("created_at", flat=True).first()
        return _History(latest=latest)
    row = posts.aggregate(
        latest=Max("created_at"),
        threads=Count("pk", filter=Q(position=1)),
        replies=Count("pk", filter=Q(position__gt=1)),
    )
    return _History(latest=row["latest"], threads=row["threads"], replies=row["replies"])


def _check_quota(*, author: User, history: _History, is_thread: bool, now: datetime) -> None:
    if is_thread:
        limit, used = settings.MODERATION_NEW_MEMBER_THREADS_PER_DAY, history.threads
        what = f"start {limit} thread{'s' if limit != 1 else ''}"
        again = "start another"
    else:
        limit, used = settings.MODERATION_NEW_MEMBER_REPLIES_PER_DAY, history.replies
        what = f"post {limit} repl{'ies' if limit != 1 else 'y'}"
        again = "reply again"
    if used < limit:
        return
    seconds = (author.date_joined + QUOTA_WINDOW - now).total_seconds()
    raise _wait(
        f"In their first day here, new members can {what}. You can {again} {{when}}.",
        code="new_member_limit",
        seconds=seconds,
    )


def _check_flood(*, history: _History, now: datetime) -> None:
    flood = settings.MODERATION_FLOOD_SECONDS
    if history.latest is None or flood <= 0:
        return
    # A clock that steps back never makes the wait longer than the setting.
    seconds = min(flood, flood - (now - history.latest).total_seconds())
    if seconds > 0:
        raise _wait(
            "You posted a moment ago. You can post again {when}.",
            code="flood",
            seconds=seconds,
        )


def check_posting_limits(*, author: User, body: str, is_thread: bool, urgent: bool) -> None:
    """Raises ``ApiError`` when this post would break a limit: 422 ``too_many_links``, or 429
    ``new_member_limit`` / ``flood`` with ``retry_after`` seconds. Crisis posts (``urgent``)
    bypass flood control and quotas, not the link limit. Writes nothing."""
    if author.is_moderator:
        return
    check_link_limit(author=author, body=body)
    if urgent:
        return
    now = timezone.now()
    counted = _is_new(author) and _in_first_day(author, now)
    history = _history(author=author, with_counts=counted)
    if counted:
        _check_quota(author=author, history=history, is_thread=is_thread, now=now)
    _check_flood(history=history, now=now)


def check_link_limit(*, author: User, body: str) -> None:
    """Raises ``ApiError`` (422 ``too_many_links``) when a new member's post has more links
    than allowed."""
    if not _is_new(author):
        return
    limit = settings.MODERATION_NEW_MEMBER_LINKS
    found = link_count(body)
    if found <= limit:
        return
    message = (
        f"New members can include up to {limit} link{'s' if limit != 1 else ''} in a post; "
        f"this one has {found}. Remove some and post again."
    )
    raise ApiError(message, code="too_many_links", status_code=422, fields={"body": [message]})
