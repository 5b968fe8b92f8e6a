"""Pages outside the API that finish an account flow from a link in account mail: confirming
an email address and choosing a new password.

The links in account mail lead here (``HEADLESS_FRONTEND_URLS``) until a web client serves
them. The key in the address is the only credential. GET only shows what would happen, because
mail scanners and link previews fetch every link in a message; only the page's own POST (with
its CSRF token) changes anything. Every refusal is one kind page, whatever the reason, so a page
never tells more about an account than its key already proves.
"""

import logging
from collections.abc import Mapping

from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordKeyForm, UserTokenForm
from allauth.account.internal.flows import password_reset
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from config.auth_urls import RESET_KEY

logger = logging.getLogger(__name__)

# Nothing but the page's own stylesheet and its own form: no script, no inline style, no frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _page(
    request: HttpRequest, template: str, context: Mapping[str, object], *, status: int = 200
) -> HttpResponse:
    """Every account page: never cached (it holds a working key), never indexed. The site's
    ``same-origin`` referrer policy keeps the key from other sites; ``no-referrer`` would make
    browsers send ``Origin: null`` with the form, which the CSRF check refuses over HTTPS."""
    response = render(
        request,
        f"accounts/{template}",
        {"community_name": settings.COMMUNITY_NAME, **context},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _forget_messages(request: HttpRequest) -> None:
    """allauth leaves a flash message for a page of its own that this service does not have;
    dropped here, it cannot turn up later on an admin page."""
    for _ in messages.get_messages(request):
        pass


# --- Confirming an email address ------------------------------------------------------------


def _address_to_confirm(key: str) -> EmailAddress | None:
    """The unconfirmed address a verification key names, or None when the key is damaged,
    expired or already used, or another account has confirmed the address since."""
    confirmation = get_emailconfirmation_model().from_key(key)
    if confirmation is None or confirmation.key_expired():
        return None
    address: EmailAddress = confirmation.email_address
    return address if address.can_set_verified() else None


@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, key: str) -> HttpResponse:
    """GET: the address the key would confirm, and a button. POST: confirms it through
    allauth (the member then signs in in the app). A key that does not verify gets a 400
    page that says to ask the app for a new link; posting again gets the same page."""
    address = _address_to_confirm(key)
    if address is None:
        return _page(request, "verify_email_invalid.html", {}, status=400)
    if request.method == "GET":
        return _page(request, "verify_email.html", {"email": address.email})
    with transaction.atomic():
        # Two posts of one link confirm the address once.
        locked = (
            EmailAddress.objects.select_for_update().filter(pk=address.pk, verified=False).first()
        )
        confirmed = locked is not None and get_adapter(request).confirm_email(request, locked)
    _forget_messages(request)
    if not confirmed:
        return _page(request, "verify_email_invalid.html", {}, status=400)
    logger.info("member %s confirmed an email address from the emailed link", address.user_id)
    return _page(request, "verify_email_done.html", {})


# --- Choosing a new password ----------------------------------------------------------------


def _reset_user(key: str, *, lock: bool = False) -> User | None:
    """The member a password reset key was made for (``<uidb36>-<token>``), or None when the
    key is damaged, expired or used (the token changes with the password). With ``lock``,
    inside a transaction, the member's row is locked and the key checked again against it, so
    two posts of one link set one password."""
    if not RESET_KEY.fullmatch(key):
        return None
    uidb36, _, token = key.partition("-")
    form = UserTokenForm(data={"uidb36": uidb36, "key": token})
    if not form.is_valid():
        return None
    user: User = form.reset_user
    if not lock:
        return user
    locked = User.objects.select_for_update().get(pk=user.pk)
    return locked if form.token_generator.check_token(locked, token) else None


def _reset_form_page(
    request: HttpRequest, *, form: ResetPasswordKeyForm, user: User, status: int = 200
) -> HttpResponse:
    context = {"form": form, "email": user.email, "hints": password_validators_help_texts()}
    return _page(request, "password_reset.html", context, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_from_key(request: HttpRequest, key: str) -> HttpResponse:
    """GET: a form for the new password, typed twice. POST: sets it through allauth, checked
    by the password validators (a refused password is shown on the form with the reasons, 400,
    and nothing changes). POSTs count against allauth's ``reset_password_from_key`` rate (429
    page past it). A key that does not verify gets a 400 page that says to ask for a new link."""
    invalid = "password_reset_invalid.html"
    if request.method == "GET":
        user = _reset_user(key)
        if user is None:
            return _page(request, invalid, {}, status=400)
        return _reset_form_page(request, form=ResetPasswordKeyForm(user=user), user=user)

    if not ratelimit.consume(request, action="reset_password_from_key"):
        return _page(request, "too_many_tries.html", {}, status=429)
    with transaction.atomic():
        user = _reset_user(key, lock=True)
        if user is None:
            return _page(request, invalid, {}, status=400)
        form = ResetPasswordKeyForm(data=request.POST, user=user, temp_key=key)
        if not form.is_valid():
            return _reset_form_page(request, form=form, user=user, status=400)
        form.save()
        password_reset.finalize_password_reset(request, user)
    _forget_messages(request)
    logger.info("member %s set a new password from the emailed link", user.pk)
    return _page(request, "password_reset_done.html", {})


# --- Pages the mail links to that only point to the app --------------------------------------


@require_http_methods(["GET"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    """Where the mail sent to an address with no account (or a spent reset link) points for a
    new try: the app asks for the address."""
    context = {
        "heading": "Choose a new password",
        "what": "To get a new link for choosing a password, ask for one in the app.",
        "choice": "Forgot password",
    }
    return _page(request, "use_the_app.html", context)


@require_http_methods(["GET"])
def signup(request: HttpRequest) -> HttpResponse:
    """Where the mail sent to an address with no account points to join."""
    context = {
        "heading": "Join the community",
        "what": "There is no account for this address yet. You can make one in the app.",
        "choice": "Join",
    }
    return _page(request, "use_the_app.html", context)
