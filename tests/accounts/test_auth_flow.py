"""Account journeys through the authentication API, as the app and the browser client see them."""

import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

APP = "/api/auth/app/v1"
BROWSER = "/api/auth/browser/v1"
ME = "/api/v1/me"
PASSWORD = factories.PASSWORD
NEW_PASSWORD = "another-long-password-77"


def _key_from_mail(message, url_name: str) -> str:
    """The key in the link the mail carries to the frontend page ``url_name``."""
    prefix = settings.HEADLESS_FRONTEND_URLS[url_name].split("{key}")[0]
    match = re.search(re.escape(prefix) + r"(\S+)", message.body)
    assert match, f"no {url_name} link in the mail: {message.body!r}"
    return unquote(match.group(1))


def _signup(client: APIClient, email: str, username: str, password: str = PASSWORD):
    data = {"email": email, "username": username, "password": password}
    return client.post(f"{APP}/auth/signup", data, format="json")


def _login(client: APIClient, email: str, password: str, prefix: str = APP, **extra):
    data = {"email": email, "password": password}
    return client.post(f"{prefix}/auth/login", data, format="json", **extra)


def _pending_flows(response) -> list[str]:
    return [flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")]


def _me(token: str | None):
    client = APIClient()
    if token:
        client.credentials(HTTP_X_SESSION_TOKEN=token)
    return client.get(ME)


def _error_codes(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def test_app_signup_verify_login_me_and_logout(mailoutbox, django_capture_on_commit_callbacks):
    client = APIClient()

    # Account mail leaves through the outbox once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        signup = _signup(client, "new@example.org", "new_member")
    assert signup.status_code == 401
    assert signup.json()["meta"]["is_authenticated"] is False
    assert _pending_flows(signup) == ["verify_email"]
    assert _me(signup.json()["meta"].get("session_token")).status_code == 401

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new@example.org"]
    # Signed by the community, not by whatever host name the request used.
    assert f"Hello from {settings.COMMUNITY_NAME}!" in mailoutbox[0].body
    assert "testserver" not in mailoutbox[0].body
    key = _key_from_mail(mailoutbox[0], "account_confirm_email")

    verify = client.post(f"{APP}/auth/email/verify", {"key": key}, format="json")
    assert verify.status_code == 401  # verified, but signing in is a separate step
    assert "verify_email" not in _pending_flows(verify)

    login = _login(client, "new@example.org", PASSWORD)
    assert login.status_code == 200
    assert login.json()["meta"]["is_authenticated"] is True
    token = login.json()["meta"]["session_token"]

    me = _me(token)
    assert me.status_code == 200
    assert me.json()["username"] == "new_member"
    assert me.json()["email"] == "new@example.org"

    logout = client.delete(f"{APP}/auth/session", HTTP_X_SESSION_TOKEN=token)
    assert logout.status_code == 401
    assert logout.json()["meta"]["is_authenticated"] is False

    after = _me(token)
    assert after.status_code == 401
    assert after.json()["code"] == "session_expired"


def test_browser_login_with_csrf_and_cookie_session(member):
    client = APIClient(enforce_csrf_checks=True)
    assert client.get(f"{BROWSER}/config").status_code == 200
    csrf = client.cookies["csrftoken"].value

    refused = _login(client, member.email, PASSWORD, prefix=BROWSER)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"

    login = _login(client, member.email, PASSWORD, prefix=BROWSER, HTTP_X_CSRFTOKEN=csrf)
    assert login.status_code == 200
    assert login.json()["meta"]["is_authenticated"] is True
    assert "session_token" not in login.json()["meta"]
    assert "sessionid" in client.cookies

    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == member.username

    # Signing in rotates the CSRF token; the page must use the fresh one.
    assert client.cookies["csrftoken"].value != csrf
    csrf = client.cookies["csrftoken"].value

    no_header = client.patch(ME, {"display_name": "Quiet Neck"}, format="json")
    assert no_header.status_code == 403
    assert no_header.json()["code"] == "csrf_failed"
    member.refresh_from_db()
    assert member.display_name != "Quiet Neck"

    with_header = client.patch(
        ME, {"display_name": "Quiet Neck"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert with_header.status_code == 200
    assert with_header.json()["display_name"] == "Quiet Neck"


def test_login_before_email_verification_gives_no_session():
    client = APIClient()
    _signup(client, "unverified@example.org", "not_yet")

    login = _login(APIClient(), "unverified@example.org", PASSWORD)

    assert login.status_code == 401
    assert login.json()["meta"]["is_authenticated"] is False
    assert _pending_flows(login) == ["verify_email"]
    assert _me(login.json()["meta"].get("session_token")).status_code == 401


def test_password_reset_by_emailed_key(member, mailoutbox, django_capture_on_commit_callbacks):
    client = APIClient()

    with django_capture_on_commit_callbacks(execute=True):
        request = client.post(
            f"{APP}/auth/password/request", {"email": member.email}, format="json"
        )
    assert request.status_code == 200
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    key = _key_from_mail(mailoutbox[0], "account_reset_password_from_key")

    reset = client.post(
        f"{APP}/auth/password/reset", {"key": key, "password": NEW_PASSWORD}, format="json"
    )
    assert reset.status_code == 401  # the password changed; signing in is the next step

    old = _login(APIClient(), member.email, PASSWORD)
    assert old.status_code == 400
    assert _error_codes(old) == ["email_password_mismatch"]

    new = _login(APIClient(), member.email, NEW_PASSWORD)
    assert new.status_code == 200
    assert _me(new.json()["meta"]["session_token"]).json()["username"] == member.username


def test_password_reset_request_does_not_reveal_accounts(member):
    known = APIClient().post(f"{APP}/auth/password/request", {"email": member.email}, format="json")
    unknown = APIClient().post(
        f"{APP}/auth/password/request", {"email": "nobody@example.org"}, format="json"
    )

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()


def test_signup_with_registered_email_looks_like_a_fresh_signup(
    mailoutbox, django_capture_on_commit_callbacks
):
    factories.UserFactory(email="taken@example.org")
    users_before = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        fresh = _signup(APIClient(), "fresh@example.org", "fresh_member")
    users_after_fresh = User.objects.count()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(APIClient(), "taken@example.org", "second_try")

    assert taken.status_code == fresh.status_code == 401
    assert taken.json()["data"] == fresh.json()["data"]
    assert taken.json()["meta"].keys() == fresh.json()["meta"].keys()
    assert users_after_fresh == users_before + 1
    assert User.objects.count() == users_after_fresh
    assert not User.objects.filter(username="second_try").exists()
    # The owner is told someone tried; no verification link for a new account is sent.
    assert [m.to for m in mailoutbox] == [["taken@example.org"]]
    prefix = settings.HEADLESS_FRONTEND_URLS["account_confirm_email"].split("{key}")[0]
    assert prefix not in mailoutbox[0].body


def test_wrong_password_and_unknown_email_fail_alike(member):
    wrong_password = _login(APIClient(), member.email, "not-the-password-1")
    unknown_email = _login(APIClient(), "nobody@example.org", "not-the-password-1")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert _error_codes(wrong_password) == ["email_password_mismatch"]
    assert wrong_password.json() == unknown_email.json()


def test_failed_logins_lock_the_email_and_then_answer_429(member):
    # ACCOUNT_RATE_LIMITS: "login_failed" allows 5 failures per email in 5 minutes,
    # "login" allows 30 attempts per minute from one address.
    client = APIClient()

    for _ in range(5):
        failed = _login(client, member.email, "not-the-password-1")
        assert _error_codes(failed) == ["email_password_mismatch"]

    locked = _login(client, member.email, PASSWORD)
    assert locked.status_code == 400
    assert _error_codes(locked) == ["too_many_login_attempts"]
    assert "meta" not in locked.json()

    for _ in range(30 - 6):
        still_locked = _login(client, member.email, "not-the-password-1")
        assert _error_codes(still_locked) == ["too_many_login_attempts"]

    throttled = _login(client, member.email, PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json() == {"status": 429}


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("admin", "reserved"),
        ("Moderator", "reserved"),
        ("MODERATOR", "reserved"),
        ("ab", "min_length"),
        ("has space", "invalid_username"),
        ("neck.pain", "invalid_username"),
        ("hello!", "invalid_username"),
        ("Existing_Member", "username_taken"),
    ],
)
def test_signup_refuses_unacceptable_usernames(
    username, code, mailoutbox, django_capture_on_commit_callbacks
):
    factories.UserFactory(username="existing_member")
    users_before = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(APIClient(), "someone@example.org", username)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["param"], error["code"]) for error in errors] == [("username", code)]
    assert User.objects.count() == users_before
    assert mailoutbox == []


def test_email_uniqueness_ignores_case():
    factories.UserFactory(email="member@example.org")

    response = _signup(APIClient(), "Member@Example.org", "another_one")

    assert response.status_code == 401
    assert User.objects.filter(email__iexact="member@example.org").count() == 1
    assert not User.objects.filter(username="another_one").exists()
