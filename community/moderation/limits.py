"""Rate and size limits on posting: flood control for everyone, quotas and a link limit for new
members. (Interface; filled in by the posting-rules work.)"""

from accounts.models import User


def check_posting_limits(*, author: User, body: str, is_thread: bool, urgent: bool) -> None:
    """Raises ``ApiError`` (429 with ``retry_after``, or 400/403) when this post would break a
    limit. Crisis posts (``urgent``) bypass flood control and quotas."""


def check_link_limit(*, author: User, body: str) -> None:
    """Raises ``ApiError`` (400 ``too_many_links``) when a new member's post has more links
    than allowed."""
