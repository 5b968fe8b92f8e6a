"""What a new or edited post is checked for before it is saved: watched words and crisis
phrases. (Interface; filled in by the watched-words work.)"""

from dataclasses import dataclass, field

from community.forum.models import Post


@dataclass
class Screening:
    # A watched word asks for the post to be held for approval.
    hold: bool = False
    # A crisis phrase matched: moderators are alerted at once.
    urgent: bool = False
    reasons: list[str] = field(default_factory=list)


def screen(*, text: str) -> Screening:
    """Checks text against watched words and crisis phrases. Raises ``ApiError`` (400
    ``watched_word``) when a blocking word matches."""
    return Screening()


def after_create(*, post: Post, screening: Screening) -> None:
    """Call in the transaction that saved ``post``: alerts moderators of an urgent post and
    tells them of a held one."""
