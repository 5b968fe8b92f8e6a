"""Emails as bytes on the wire: the outbox writes them more cheaply than the standard library
left to itself, and the bytes must be the same."""

from email.policy import compat32

import pytest

from community.notifications.emails import _Email


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"List-Unsubscribe": "<https://community.example.org/email/unsubscribe/" + "a" * 90 + ">"},
        {"X-Spaces": "two  spaces", "X-Trailing": "space ", "X-Tab": "a\tb"},
        {"X-Long": "y" * 200, "X-Words": "word " * 40},
    ],
    ids=["plain", "long-unsubscribe", "odd-spacing", "long"],
)
@pytest.mark.parametrize(
    ("subject", "to"),
    [
        ("[Neck to Neck] New reply in a thread you follow", "heron@example.org"),
        ("Ünïcode subject, long enough to need folding: " * 3, "Zoë <zoe@example.org>"),
    ],
    ids=["ascii", "unicode"],
)
def test_a_composed_email_is_byte_for_byte_what_the_standard_library_writes(subject, to, headers):
    message = _Email(subject=subject, body="Hello,\n\nA reply.\n", to=[to], headers=headers)
    message.attach_alternative("<p>Hello,</p><p>A reply.</p>", "text/html")
    built = message.message()
    ours = built.as_bytes(linesep="\r\n")
    for part in built.walk():
        part.policy = compat32

    assert ours == built.as_bytes(linesep="\r\n")
    assert b"\r\nSubject: " in ours
    boundary = built.get_boundary()
    assert boundary is not None
    assert ours.count(f"--{boundary}".encode()) == 3
