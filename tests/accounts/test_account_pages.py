"""The pages that links in account mail open: a member signs up or asks for a new password
through the API, opens the link from the mail as it lands in the mail folder, and finishes on
the page; the API then lets them in (or not) as the page said."""

import email
import email.policy
import html
import json
import logging
import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

APP = "/api/auth/app/v1"
PASSWORD = factories.PASSWORD
NEW_PASSWORD = "slow-mornings-warm-neck-81"
VERIFY_PATH = "/account/verify-email/"
RESET_PATH = "/account/password/reset/key/"
INVALID_HEADING = "This link does not work any more"
# Separates the messages the file-based backend writes into one file.
SEPARATOR = re.compile(rb"^-{79}$", flags=re.MULTILINE)


@pytest.fixture
def mail_folder(settings, tmp_path) -> Path:
    """Mail goes where a laptop's does: files in a folder, as a mail client would get them."""
    folder = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    return folder


def _messages(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.log")):
        for raw in SEPARATOR.split(path.read_bytes()):
            if raw.strip():
                found.append(email.message_from_bytes(raw.lstrip(), policy=email.policy.default))
    return found


def _link_from_mail(folder: Path, *, to: str, path: str) -> str:
    """The address of the one link to ``path`` in the newest mail to ``to``, as the member's
    mail client shows it (the plain text part, decoded)."""
    mails = [m for m in _messages(folder) if m["To"] == to]
    assert mails, f"no mail to {to} in the mail folder"
    text = mails[-1].get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"https?://\S+", text)
    wanted = [link for link in links if urlsplit(link).path.startswith(path)]
    assert len(wanted) == 1, text
    assert wanted[0].startswith(f"{django_settings.SITE_URL}{path}"), wanted[0]
    return wanted[0]


def _open(client: Client, link: str):
    """GET the link as a browser would: its path and query, still percent-encoded."""
    parts = urlsplit(link)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def _text(response) -> str:
    """What the page says, without its markup (whitespace collapsed)."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _heading(response) -> str:
    headings = re.findall(r"<h1>(.*?)</h1>", response.content.decode(), flags=re.DOTALL)
    assert len(headings) == 1, headings
    return html.unescape(headings[0]).strip()


def _submit(client: Client, page, path: str, **fields: str):
    """Submits the page's form as a browser would: to the page's own address, with the CSRF
    token the form carries."""
    body = page.content.decode()
    assert '<form method="post"' in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token, "the form carries no CSRF token"
    return client.post(path, {"csrfmiddlewaretoken": token.group(1), **fields})


def _browser() -> Client:
    return Client(enforce_csrf_checks=True)


def _signup(django_capture_on_commit_callbacks, email_address: str, username: str):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            f"{APP}/auth/signup",
            {"email": email_address, "username": username, "password": PASSWORD},
            format="json",
        )
    assert response.status_code == 401, response.content
    return response


def _request_reset(django_capture_on_commit_callbacks, email_address: str) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            f"{APP}/auth/password/request", {"email": email_address}, format="json"
        )
    assert response.status_code == 200, response.content


def _login(email_address: str, password: str):
    return APIClient().post(
        f"{APP}/auth/login", {"email": email_address, "password": password}, format="json"
    )


def _signs_in(email_address: str, password: str) -> bool:
    response = _login(email_address, password)
    return response.status_code == 200 and response.json()["meta"]["is_authenticated"] is True


def _waits_for_verification(email_address: str) -> bool:
    response = _login(email_address, PASSWORD)
    flows = response.json().get("data", {}).get("flows", [])
    return response.status_code == 401 and any(
        flow["id"] == "verify_email" and flow.get("is_pending") for flow in flows
    )


# --- Confirming an email address ------------------------------------------------------------


def test_the_mailed_link_confirms_the_address_and_then_the_app_signs_in(
    mail_folder, django_capture_on_commit_callbacks
):
    _signup(django_capture_on_commit_callbacks, "heron@example.org", "quiet_heron")
    link = _link_from_mail(mail_folder, to="heron@example.org", path=VERIFY_PATH)
    browser = _browser()

    page = _open(browser, link)

    assert page.status_code == 200
    assert _heading(page) == "Confirm your email address"
    assert "heron@example.org" in _text(page)
    assert re.search(r'<button type="submit">Confirm</button>', page.content.decode())
    # Opening the link (as a mail scanner does) confirms nothing.
    assert _waits_for_verification("heron@example.org")

    done = _submit(browser, page, urlsplit(link).path)

    assert done.status_code == 200
    assert _heading(done) == "Your address is confirmed"
    assert "Your address is confirmed; you can now sign in in the app." in _text(done)
    assert _signs_in("heron@example.org", PASSWORD)


@pytest.mark.parametrize("form", ["as mailed", "decoded"])
def test_the_key_works_percent_encoded_and_plain(
    mail_folder, django_capture_on_commit_callbacks, form
):
    _signup(django_capture_on_commit_callbacks, "wren@example.org", "tilted_wren")
    link = _link_from_mail(mail_folder, to="wren@example.org", path=VERIFY_PATH)
    # allauth percent-encodes the key's colons in the link; some mail clients decode them.
    assert "%3A" in link
    path = urlsplit(link).path if form == "as mailed" else unquote(urlsplit(link).path)
    assert (":" in path) is (form == "decoded")
    browser = _browser()

    page = browser.get(path)
    done = _submit(browser, page, path)

    assert done.status_code == 200
    assert "you can now sign in in the app" in _text(done)
    assert _signs_in("wren@example.org", PASSWORD)


def test_a_used_link_gets_a_kind_page_that_says_what_to_do(
    mail_folder, django_capture_on_commit_callbacks
):
    _signup(django_capture_on_commit_callbacks, "finch@example.org", "finch_here")
    link = _link_from_mail(mail_folder, to="finch@example.org", path=VERIFY_PATH)
    browser = _browser()
    page = _open(browser, link)
    assert _submit(browser, page, urlsplit(link).path).status_code == 200

    again = _open(browser, link)
    posted_again = _submit(browser, page, urlsplit(link).path)

    for response in (again, posted_again):
        assert response.status_code == 400
        assert _heading(response) == INVALID_HEADING
        assert "If you already confirmed your address, you can sign in in the app." in _text(
            response
        )
        assert "finch@example.org" not in _text(response)
    assert _signs_in("finch@example.org", PASSWORD)


@pytest.mark.parametrize(
    "key",
    [
        "nonsense",
        "MQ:1tYpKx:tampered-signature-value",
        "MQ%3A1tYpKx%3Atampered",
        "x" * 2000,
        "%00",
        "%E2%80%AE",
    ],
    ids=["word", "forged", "forged-encoded", "very-long", "nul", "bidi"],
)
def test_a_damaged_verification_key_gets_the_kind_page(client, key):
    page = client.get(VERIFY_PATH + key)
    posted = client.post(VERIFY_PATH + key)

    for response in (page, posted):
        assert response.status_code == 400
        assert _heading(response) == INVALID_HEADING
        assert "ask it to send a new link" in _text(response)


def test_an_address_confirmed_meanwhile_gets_the_same_kind_page(
    mail_folder, django_capture_on_commit_callbacks
):
    _signup(django_capture_on_commit_callbacks, "lark@example.org", "lark_sings")
    link = _link_from_mail(mail_folder, to="lark@example.org", path=VERIFY_PATH)
    page = _open(_browser(), link)
    # The address is confirmed some other way before the member clicks.
    EmailAddress.objects.filter(email="lark@example.org").update(verified=True)

    stale = _open(_browser(), link)

    assert page.status_code == 200
    assert stale.status_code == 400
    assert _text(stale) == _text(_browser().get(VERIFY_PATH + "nonsense"))


def test_the_form_without_its_csrf_token_confirms_nothing(
    mail_folder, django_capture_on_commit_callbacks
):
    _signup(django_capture_on_commit_callbacks, "robin@example.org", "robin_red")
    link = _link_from_mail(mail_folder, to="robin@example.org", path=VERIFY_PATH)
    browser = _browser()
    _open(browser, link)

    forged = browser.post(urlsplit(link).path, {})

    assert forged.status_code == 403
    assert _waits_for_verification("robin@example.org")


def test_the_pages_need_no_script_and_no_inline_style(
    member, mail_folder, django_capture_on_commit_callbacks
):
    _signup(django_capture_on_commit_callbacks, "owl@example.org", "night_owl")
    verify_link = _link_from_mail(mail_folder, to="owl@example.org", path=VERIFY_PATH)
    reset_link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)

    pages = [
        _open(_browser(), verify_link),
        _open(_browser(), reset_link),
        _browser().get(VERIFY_PATH + "nonsense"),
        _browser().get(RESET_PATH + "nonsense"),
    ]

    for page in pages:
        body = page.content.decode()
        assert "<script" not in body
        assert "<style" not in body
        assert " style=" not in body
        assert page["Content-Security-Policy"].startswith("default-src 'none'; style-src 'self'")
        assert page["Cache-Control"] == "no-store"
        assert '<html lang="en">' in body
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)">', body)
        assert stylesheet
        assert stylesheet.group(1).startswith("/")


def test_the_request_log_never_holds_a_key(mail_folder, django_capture_on_commit_callbacks, caplog):
    _signup(django_capture_on_commit_callbacks, "kite@example.org", "red_kite")
    link = _link_from_mail(mail_folder, to="kite@example.org", path=VERIFY_PATH)
    key = unquote(urlsplit(link).path.removeprefix(VERIFY_PATH))
    caplog.set_level(logging.INFO, logger="config.request")

    _open(_browser(), link)

    assert "GET /account/verify-email/<token> 200 " in caplog.text
    assert key not in caplog.text
    assert quote(key) not in caplog.text


# --- Choosing a new password ----------------------------------------------------------------


def _reset_link(mail_folder, django_capture_on_commit_callbacks, member) -> str:
    _request_reset(django_capture_on_commit_callbacks, member.email)
    return _link_from_mail(mail_folder, to=member.email, path=RESET_PATH)


def test_the_mailed_link_sets_a_new_password_and_the_app_takes_it(
    member, mail_folder, django_capture_on_commit_callbacks
):
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    browser = _browser()

    page = _open(browser, link)

    assert page.status_code == 200
    assert _heading(page) == "Choose a new password"
    body = page.content.decode()
    assert re.search(r'<label for="id_password1">New password</label>', body)
    assert re.search(r'<label for="id_password2">Type the new password again</label>', body)
    assert "at least 8 characters" in _text(page)

    done = _submit(
        browser, page, urlsplit(link).path, password1=NEW_PASSWORD, password2=NEW_PASSWORD
    )

    assert done.status_code == 200
    assert _heading(done) == "Your password is changed"
    assert "Please sign in in the app with your new password." in _text(done)
    assert _signs_in(member.email, NEW_PASSWORD)
    assert not _signs_in(member.email, PASSWORD)


@pytest.mark.parametrize(
    ("password1", "password2", "reason"),
    [
        ("12345678", "12345678", "This password is too common."),
        ("48151623429", "48151623429", "This password is entirely numeric."),
        ("neck", "neck", "This password is too short."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "You must type the same password each time."),
    ],
    ids=["common", "numeric", "short", "mismatch"],
)
def test_a_refused_password_is_explained_and_nothing_changes(
    member, mail_folder, django_capture_on_commit_callbacks, password1, password2, reason
):
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    browser = _browser()
    page = _open(browser, link)

    refused = _submit(browser, page, urlsplit(link).path, password1=password1, password2=password2)

    assert refused.status_code == 400
    assert _heading(refused) == "Choose a new password"
    assert "Your password was not changed." in _text(refused)
    assert reason in _text(refused)
    assert 'aria-invalid="true"' in refused.content.decode()
    assert _signs_in(member.email, PASSWORD)
    assert not _signs_in(member.email, password1)


def test_after_a_refused_password_the_link_still_works(
    member, mail_folder, django_capture_on_commit_callbacks
):
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    browser = _browser()
    page = _open(browser, link)
    refused = _submit(
        browser, page, urlsplit(link).path, password1="12345678", password2="12345678"
    )

    done = _submit(
        browser, refused, urlsplit(link).path, password1=NEW_PASSWORD, password2=NEW_PASSWORD
    )

    assert refused.status_code == 400
    assert _heading(done) == "Your password is changed"
    assert _signs_in(member.email, NEW_PASSWORD)


def test_signing_in_with_the_old_password_retires_the_link(
    member, mail_folder, django_capture_on_commit_callbacks
):
    # Django's reset tokens change with the last sign-in: a member who remembered their
    # password and signed in has no use for the link, and nobody else may use it then.
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    browser = _browser()
    page = _open(browser, link)
    assert _signs_in(member.email, PASSWORD)

    posted = _submit(
        browser, page, urlsplit(link).path, password1=NEW_PASSWORD, password2=NEW_PASSWORD
    )

    assert posted.status_code == 400
    assert _heading(posted) == INVALID_HEADING
    assert _signs_in(member.email, PASSWORD)


def test_a_used_reset_link_gets_a_kind_page_and_changes_nothing(
    member, mail_folder, django_capture_on_commit_callbacks
):
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    browser = _browser()
    page = _open(browser, link)
    _submit(browser, page, urlsplit(link).path, password1=NEW_PASSWORD, password2=NEW_PASSWORD)

    again = _open(browser, link)
    posted_again = _submit(
        browser, page, urlsplit(link).path, password1="third-password-77", password2="third-pa"
    )

    for response in (again, posted_again):
        assert response.status_code == 400
        assert _heading(response) == INVALID_HEADING
        assert "ask for a new link in the app" in _text(response)
        assert member.email not in _text(response)
    assert _signs_in(member.email, NEW_PASSWORD)


@pytest.mark.parametrize("form", ["as mailed", "percent-encoded"])
def test_the_reset_key_works_as_mailed_and_percent_encoded(
    member, mail_folder, django_capture_on_commit_callbacks, form
):
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    path = urlsplit(link).path
    if form == "percent-encoded":
        # Every character of the key escaped, as a link-rewriting mail service may send it.
        key = path.removeprefix(RESET_PATH)
        path = RESET_PATH + "".join(f"%{byte:02X}" for byte in key.encode())
    browser = _browser()

    page = browser.get(path)
    done = _submit(browser, page, path, password1=NEW_PASSWORD, password2=NEW_PASSWORD)

    assert page.status_code == 200
    assert _heading(done) == "Your password is changed"
    assert _signs_in(member.email, NEW_PASSWORD)


@pytest.mark.parametrize(
    "key",
    ["nonsense", "-abc-def", "zzzzzzzzzzzzz-abc-def", "1-abc-def", "a" * 300, "1%00-x", "é-x"],
    ids=["word", "no-id", "huge-id", "wrong-token", "very-long", "nul", "non-ascii"],
)
def test_a_damaged_reset_key_gets_the_kind_page(member, client, key):
    page = client.get(RESET_PATH + key)
    posted = client.post(RESET_PATH + key, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    for response in (page, posted):
        assert response.status_code == 400
        assert _heading(response) == INVALID_HEADING
        assert "Your password has not been changed by this link." in _text(response)
    assert _signs_in(member.email, PASSWORD)


def test_a_key_of_another_member_shows_only_that_members_address(
    member, mail_folder, django_capture_on_commit_callbacks
):
    other = factories.UserFactory()
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)

    page = _open(_browser(), link)

    assert member.email in _text(page)
    assert other.email not in _text(page)


def test_too_many_tries_wait_a_minute_and_change_nothing(
    member, mail_folder, django_capture_on_commit_callbacks
):
    # ACCOUNT_RATE_LIMITS: "reset_password_from_key" allows 20 posts a minute from one address.
    link = _reset_link(mail_folder, django_capture_on_commit_callbacks, member)
    browser = _browser()
    page = _open(browser, link)
    path = urlsplit(link).path
    for _ in range(20):
        refused = _submit(browser, page, path, password1="12345678", password2="12345678")
        assert refused.status_code == 400

    throttled = _submit(browser, page, path, password1=NEW_PASSWORD, password2=NEW_PASSWORD)

    assert throttled.status_code == 429
    assert _heading(throttled) == "Please wait a minute"
    assert "Nothing was changed." in _text(throttled)
    assert _signs_in(member.email, PASSWORD)
    assert not _signs_in(member.email, NEW_PASSWORD)


# --- Where the links lead -------------------------------------------------------------------


def _frontend_urls(**env: str) -> dict[str, str]:
    """HEADLESS_FRONTEND_URLS as a process started with ``env`` reads them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.HEADLESS_FRONTEND_URLS))"
    )
    keep = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "ACCOUNT_FRONTEND_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_links_lead_to_these_pages_unless_a_web_client_is_named():
    own = _frontend_urls(SITE_URL="https://community.example.org")
    client = _frontend_urls(
        SITE_URL="https://community.example.org",
        ACCOUNT_FRONTEND_URL="https://app.example.org/",
    )

    assert own["account_confirm_email"] == (f"https://community.example.org{VERIFY_PATH}{{key}}")
    assert own["account_reset_password_from_key"] == (
        f"https://community.example.org{RESET_PATH}{{key}}"
    )
    assert client["account_confirm_email"] == f"https://app.example.org{VERIFY_PATH}{{key}}"
    assert client["account_reset_password_from_key"] == (
        f"https://app.example.org{RESET_PATH}{{key}}"
    )
    assert all(url.startswith("https://app.example.org/account/") for url in client.values())


def test_the_mail_to_an_address_without_an_account_leads_to_pages_that_point_to_the_app(
    db, mail_folder, django_capture_on_commit_callbacks
):
    _request_reset(django_capture_on_commit_callbacks, "nobody-here@example.org")

    page = _open(
        _browser(), _link_from_mail(mail_folder, to="nobody-here@example.org", path="/account/")
    )

    assert page.status_code == 200
    assert _heading(page) == "Join the community"
    assert "You can make one in the app." in _text(page)
    retry = _browser().get("/account/password/reset")
    assert retry.status_code == 200
    assert _heading(retry) == "Choose a new password"
    assert "Forgot password" in _text(retry)
