"""The outbox in the admin, as an operator uses it: find failing mail, read it, send it again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.notifications.health import UNDELIVERED_STATES
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


# --- The outbox's health above the list ------------------------------------------------------

STATE_LABELS = dict(DeliveryState.choices)


def _state_links(counts: dict[str, int]) -> list[str]:
    return [
        f'<a href="{DELIVERIES}?state__exact={state}">{STATE_LABELS[state]}: {counts[state]}</a>'
        for state in DeliveryState.values
    ]


def _outbox_rows() -> dict[str, set[int]]:
    """Deliveries in every state but skipped, the pending one written 12 minutes ago and due
    for 5, older delivered mail around them; their ids by state."""
    now = timezone.now()
    rows = [
        _delivery(1, state=DeliveryState.PENDING, send_after=now - timedelta(minutes=5)),
        _delivery(2, state=DeliveryState.PENDING, send_after=now + timedelta(minutes=5)),
        _delivery(3, state=DeliveryState.FAILED, send_after=now + timedelta(minutes=1)),
        _delivery(4, state=DeliveryState.SENDING, lease_until=now + timedelta(seconds=30)),
        _delivery(5, state=DeliveryState.SENT, sent_at=now),
        _delivery(6, state=DeliveryState.SENT, sent_at=now),
        _delivery(7),
    ]
    EmailDelivery.objects.filter(pk=rows[0].pk).update(
        created_at=now - timedelta(minutes=12, seconds=5)
    )
    # Done with long ago: not undelivered, so not the oldest.
    EmailDelivery.objects.exclude(state__in=UNDELIVERED_STATES).update(
        created_at=now - timedelta(days=3)
    )
    by_state: dict[str, set[int]] = {state: set() for state in DeliveryState.values}
    for row in rows:
        by_state[row.state].add(row.pk)
    return by_state


def test_the_list_shows_the_oldest_undelivered_age_and_a_count_per_state(admin_client):
    by_state = _outbox_rows()

    page = admin_client.get(DELIVERIES).content.decode()

    # Django's timesince, which joins the number and the unit with a no-break space.
    assert "Oldest undelivered: <strong>12\xa0minutes</strong>" in page
    assert "Waiting longest since due: <strong>5\xa0minutes</strong>" in page
    counts = {state: len(ids) for state, ids in by_state.items()}
    assert counts == {"pending": 2, "sending": 1, "sent": 2, "failed": 1, "dead": 1, "skipped": 0}
    for link in _state_links(counts):
        assert link in page


def test_each_count_links_to_the_list_of_that_state(admin_client):
    by_state = _outbox_rows()

    for state, ids in by_state.items():
        response = admin_client.get(DELIVERIES, {"state__exact": state})
        assert {row.pk for row in response.context["cl"].result_list} == ids, state
        # The numbers stay above a filtered list, for the whole outbox.
        assert "Oldest undelivered: <strong>12\xa0minutes</strong>" in response.content.decode()


def test_the_list_says_none_when_every_email_was_dealt_with(admin_client):
    _delivery(1, state=DeliveryState.SENT, sent_at=timezone.now())
    _delivery(2)

    page = admin_client.get(DELIVERIES).content.decode()

    assert "Oldest undelivered: <strong>none</strong>" in page
    assert "Waiting longest since due: <strong>none</strong>" in page
    counts = {"pending": 0, "sending": 0, "sent": 1, "failed": 0, "dead": 1, "skipped": 0}
    for link in _state_links(counts):
        assert link in page


def test_the_outbox_numbers_cost_the_same_for_2_and_25_rows_of_each_state(admin_client):
    def grow(have: int, want: int) -> None:
        now = timezone.now()
        for n in range(have, want):
            for i, state in enumerate(DeliveryState.values):
                _delivery(
                    n * 10 + i,
                    state=state,
                    send_after=now - timedelta(minutes=n),
                    lease_until=now - timedelta(seconds=n) if state == "sending" else None,
                )

    few, many = assert_constant_queries(
        lambda _n: admin_client.get(DELIVERIES), grow=grow, what=DELIVERIES
    )

    assert few.context["outbox"].counts == dict.fromkeys(DeliveryState.values, 2)
    assert many.context["outbox"].counts == dict.fromkeys(DeliveryState.values, 25)
