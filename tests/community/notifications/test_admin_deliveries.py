"""The outbox in the admin, as an operator uses it: find failing mail, read it, send it again."""

import pytest
from django.utils import timezone

from community.notifications.kinds import Kind
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    Notification,
)
from tests import factories
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/notifications/emaildelivery/"


def _delivery(n: int, *, state: str = DeliveryState.DEAD, **extra) -> EmailDelivery:
    recipient = factories.UserFactory()
    fields = {
        "dedupe_key": f"essential:admin-test-{n}-{recipient.pk}",
        "category": EmailCategory.ESSENTIAL,
        "kind": "account/email/password_reset_key",
        "recipient": recipient,
        "to_email": recipient.email,
        "subject": "[Neck to Neck] Password reset",
        "body_text": "Reset your password: https://example.org/reset/abc",
        "state": state,
        "attempts": 8 if state == DeliveryState.DEAD else 1,
        "last_error": "550 5.1.1 No such user" if state == DeliveryState.DEAD else "",
        **extra,
    }
    return EmailDelivery.objects.create(**fields)


def _grow(n: int) -> None:
    """Dead deliveries, each told of by a notification, and published posts waiting for their
    fan-out (its after-commit task never runs here)."""
    board = factories.BoardFactory()
    for i in range(n):
        row = _delivery(i)
        thread = factories.make_thread(board=board, author=factories.UserFactory())
        Notification.objects.create(
            recipient=row.recipient,
            kind=Kind.REPLY_IN_WATCHED_THREAD,
            thread=thread,
            post=thread.posts.get(),
            email=row,
        )


def _ok(response) -> None:
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"{DELIVERIES}?state__exact=dead",
        "/admin/notifications/notification/",
        "/admin/notifications/pendingfanout/",
    ],
)
def test_outbox_lists_cost_the_same_for_2_and_25_rows(admin_client, url):
    assert_constant_queries(
        lambda _n: _ok(admin_client.get(url)),
        grow=lambda have, want: _grow(want - have),
        what=url,
    )


def test_the_dead_filter_lists_dead_mail_with_pseudonym_and_error(admin_client):
    dead = _delivery(1)
    sent = _delivery(2, state=DeliveryState.SENT, sent_at=timezone.now())

    page = admin_client.get(DELIVERIES, {"state__exact": "dead"}).content.decode()

    assert dead.recipient.username in page
    assert dead.to_email in page
    assert "550 5.1.1 No such user" in page
    assert sent.to_email not in page


def test_retrying_revives_dead_mail_and_leaves_sent_mail_alone(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    dead = _delivery(1)
    sent_at = timezone.now()
    sent = _delivery(2, state=DeliveryState.SENT, sent_at=sent_at)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            DELIVERIES,
            {"action": "retry_dead", "_selected_action": [dead.pk, sent.pk]},
            follow=True,
        )

    assert [str(m) for m in response.context["messages"]] == [
        "1 dead deliveries will be sent again. 1 skipped: they were not dead."
    ]
    dead.refresh_from_db()
    sent.refresh_from_db()
    # A fresh set of tries, the first of which went through.
    assert (dead.state, dead.attempts, dead.last_error) == (DeliveryState.SENT, 1, "")
    assert (sent.state, sent.attempts, sent.sent_at) == (DeliveryState.SENT, 1, sent_at)
    assert [m.to for m in mailoutbox] == [[dead.to_email]]
    assert mailoutbox[0].subject == "[Neck to Neck] Password reset"


def test_deliveries_are_read_only(admin_client):
    row = _delivery(1)

    assert admin_client.get(f"{DELIVERIES}add/").status_code == 403
    assert admin_client.get(f"{DELIVERIES}{row.pk}/delete/").status_code == 403
    page = admin_client.get(f"{DELIVERIES}{row.pk}/change/").content.decode()
    assert "Reset your password" in page
    assert 'name="_save"' not in page


def test_members_and_moderators_cannot_see_the_outbox(client, member, moderator):
    _delivery(1)

    client.force_login(member)
    response = client.get(DELIVERIES)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

    client.force_login(moderator)  # staff, without outbox permissions
    assert client.get(DELIVERIES).status_code == 403
