"""One-click unsubscribe links (RFC 8058): what a member, and their mail provider, sees."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse

from community.forum.models import SubscriptionLevel
from community.forum.services.following import subscription_set
from community.notifications.kinds import Delivery, Kind
from community.notifications.models import EmailDelivery, Notification
from community.notifications.preferences import preferences_get
from community.notifications.unsubscribe import SALT, token_make
from tests import factories

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def _deliveries(user) -> dict[str, str]:
    return {pref.kind: pref.delivery for pref in preferences_get(user=user).kinds}


def _url(token: str) -> str:
    return reverse("email-unsubscribe", kwargs={"token": token})


def _one_click(url: str):
    """The POST a mail provider makes: no cookies, no CSRF token, the RFC 8058 body."""
    return Client(enforce_csrf_checks=True).post(
        url, data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )


def _mail_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def _assert_private_page(response) -> None:
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def watched_thread(django_capture_on_commit_callbacks):
    """A published thread started by someone else, for the member to watch."""
    with django_capture_on_commit_callbacks(execute=True):
        return factories.make_thread(board=factories.BoardFactory(), author=factories.UserFactory())


def test_opening_the_link_asks_first_and_changes_nothing(member, client):
    token = token_make(user_id=member.pk, kinds=[Kind.REPLY_IN_WATCHED_THREAD, Kind.MENTION])
    before = _deliveries(member)

    response = client.get(_url(token))

    assert response.status_code == 200
    _assert_private_page(response)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "<h1>" in page
    assert "Neck to Neck" in page
    assert "Replies in threads you watch" in page
    assert "Mentions of you" in page
    assert "Replies to your posts" not in page
    assert re.search(r'<form method="post" action="' + re.escape(_url(token)) + '"', page)
    assert '<button type="submit">' in page
    assert f'href="{settings.FRONTEND_URLS["notification_settings"]}"' in page
    assert member.username in page
    assert member.email not in page
    assert "<script" not in page
    assert "<link" not in page
    # Mail scanners open every link: opening it (twice) must not unsubscribe anyone.
    client.get(_url(token))
    assert _deliveries(member) == before


def test_one_click_post_without_a_session_stops_exactly_the_links_kinds(member):
    token = token_make(user_id=member.pk, kinds=[Kind.REPLY_IN_WATCHED_THREAD, Kind.MENTION])
    before = _deliveries(member)

    response = _one_click(_url(token))

    assert response.status_code == 200
    _assert_private_page(response)
    assert "You will no longer get these emails" in response.content.decode()
    after = _deliveries(member)
    assert after[Kind.REPLY_IN_WATCHED_THREAD] == Delivery.OFF
    assert after[Kind.MENTION] == Delivery.OFF
    others = set(after) - {Kind.REPLY_IN_WATCHED_THREAD, Kind.MENTION}
    assert {k: after[k] for k in others} == {k: before[k] for k in others}


def test_the_pages_own_button_unsubscribes_and_a_second_post_is_harmless(member, client):
    token = token_make(user_id=member.pk, kinds=[Kind.REPLY_TO_MY_POST])
    page = client.get(_url(token)).content.decode()
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    browser = Client(enforce_csrf_checks=True)

    first = browser.post(action, data={"List-Unsubscribe": "One-Click"})
    second = browser.post(action, data={"List-Unsubscribe": "One-Click"})

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert "Replies to your posts" in second.content.decode()
    assert _deliveries(member)[Kind.REPLY_TO_MY_POST] == Delivery.OFF


@override_settings(EMAIL_COALESCE_SECONDS=0)
def test_after_unsubscribing_replies_in_a_watched_thread_send_no_email_but_others_still_do(
    member, watched_thread, django_capture_on_commit_callbacks
):
    subscription_set(user=member, thread=watched_thread, level=SubscriptionLevel.WATCHING)
    _one_click(_url(token_make(user_id=member.pk, kinds=[Kind.REPLY_IN_WATCHED_THREAD])))

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_reply(thread=watched_thread, author=factories.UserFactory())

    # Still told in the app, but no email row and no mail.
    assert Notification.objects.filter(recipient=member, kind=Kind.REPLY_IN_WATCHED_THREAD).exists()
    assert not EmailDelivery.objects.filter(recipient=member).exists()
    assert _mail_to(member) == []

    # A reply to the member's own post is another kind: it still arrives.
    with django_capture_on_commit_callbacks(execute=True):
        own = factories.make_reply(thread=watched_thread, author=member)
    with django_capture_on_commit_callbacks(execute=True):
        from community.posting.services import post_create

        post_create(
            author=factories.UserFactory(),
            thread_id=watched_thread.pk,
            body="That helps, thank you.",
            reply_to_id=own.pk,
        )
    assert [m.subject for m in _mail_to(member)] == ["[Neck to Neck] Someone replied to your post"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_refused_and_changes_nothing(member, method):
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        token = token_make(user_id=member.pk, kinds=[Kind.REPLY_IN_WATCHED_THREAD])
    before = _deliveries(member)

    with (
        override_settings(EMAIL_UNSUBSCRIBE_MAX_AGE_DAYS=90),
        time_machine.travel(start + timedelta(days=91), tick=False),
    ):
        response = getattr(Client(enforce_csrf_checks=True), method)(_url(token))

    assert response.status_code == 400
    _assert_private_page(response)
    page = response.content.decode()
    assert "no longer valid" in page
    assert settings.FRONTEND_URLS["notification_settings"] in page
    assert _deliveries(member) == before


def _tampered(member) -> list[str]:
    other = factories.UserFactory()
    mine = token_make(user_id=member.pk, kinds=[Kind.REPLY_IN_WATCHED_THREAD])
    theirs = token_make(user_id=other.pk, kinds=[Kind.REPLY_IN_WATCHED_THREAD])
    payload, stamp, signature = mine.rsplit(":", 2)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [
        f"{payload}:{stamp}:{flipped}",
        # Someone else's valid signature on this member's payload.
        f"{payload}:{stamp}:{theirs.rsplit(':', 1)[1]}",
        mine[:-5],
        # The right payload signed for another purpose (another salt).
        signing.dumps({"u": member.pk, "k": [Kind.REPLY_IN_WATCHED_THREAD]}, salt="other"),
        "not-a-token",
    ]


def test_a_forged_or_damaged_link_is_refused_and_changes_nothing(member):
    before = _deliveries(member)
    for token in _tampered(member):
        for method in ("get", "post"):
            response = getattr(Client(enforce_csrf_checks=True), method)(_url(token))
            assert response.status_code == 400, token
            assert "no longer valid" in response.content.decode()
    assert _deliveries(member) == before


def test_a_link_for_a_closed_account_is_a_calm_400_and_only_get_and_post_are_allowed(member):
    token = token_make(user_id=member.pk, kinds=[Kind.MENTION])
    for method in ("put", "delete", "patch"):
        assert getattr(Client(), method)(_url(token)).status_code == 405
    member.delete()

    assert Client().get(_url(token)).status_code == 400
    response = _one_click(_url(token))
    assert response.status_code == 400
    assert "no longer valid" in response.content.decode()


def test_urgent_alerts_stay_on_even_if_a_link_names_them(moderator):
    # token_make leaves urgent kinds out; a link signed with them anyway must not stop them.
    token = signing.dumps(
        {"u": moderator.pk, "k": [Kind.URGENT_CRISIS, Kind.NEW_FLAG]}, salt=SALT, compress=True
    )
    assert "Urgent: a member may be in crisis" not in Client().get(_url(token)).content.decode()

    assert _one_click(_url(token)).status_code == 200

    after = _deliveries(moderator)
    assert after[Kind.NEW_FLAG] == Delivery.OFF
    assert after[Kind.URGENT_CRISIS] == Delivery.NOW


@override_settings(EMAIL_COALESCE_SECONDS=0, SITE_URL="https://necktoneck.example")
def test_a_real_email_carries_one_click_headers_whose_link_works(
    member, watched_thread, django_capture_on_commit_callbacks
):
    subscription_set(user=member, thread=watched_thread, level=SubscriptionLevel.WATCHING)

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_reply(thread=watched_thread, author=factories.UserFactory())

    [sent] = _mail_to(member)
    message = sent.message()
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    links = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert len(links) == 2
    https = next(link for link in links if link.startswith("https://"))
    assert https.startswith("https://necktoneck.example/email/unsubscribe/")
    assert any(link.startswith("mailto:") for link in links)

    response = _one_click(urlsplit(https).path)

    assert response.status_code == 200
    assert _deliveries(member)[Kind.REPLY_IN_WATCHED_THREAD] == Delivery.OFF
