"""The shapes of the demo community's data: a board, its threads and their replies."""

from typing import NotRequired, TypedDict


class ReplySpec(TypedDict):
    author: str
    hours_after: float
    body: str
    anonymous: NotRequired[bool]
    reply_to: NotRequired[int]


class ThreadSpec(TypedDict):
    title: str
    author: str
    days_ago: int
    body: str
    anonymous: NotRequired[bool]
    pinned: NotRequired[bool]
    replies: list[ReplySpec]


class BoardSpec(TypedDict):
    slug: str
    name: str
    description: str
    visibility: str
    posting_policy: str
    allows_anonymous: bool
    threads: list[ThreadSpec]
