"""The authentication API (allauth's, under /api/auth/) walked like our own: every path of its
published specification, every method, odd keys and bodies, as a visitor and as a member. It
answers in its own shape and never with a 500; flows the community does not offer (phone
numbers, sign-in by code) are not routed at all."""

import functools
import json

import pytest
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

CLIENTS = ["app", "browser"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"]
BODIES = ["", "{}", "[]", '{"key": "-x"}', '{"key": "", "password": "x"}', "not json", '"\\ud800"']
RESET_KEYS = ["-x", "-", "--", "0-", "zz-zz-zz", "\u00e9-x", "1" * 300]


@functools.cache
def spec_paths() -> tuple[str, ...]:
    from allauth.headless.spec.internal.schema import get_schema

    return tuple(get_schema()["paths"])


def paths() -> list[str]:
    return sorted(
        {p.replace("{client}", client) for p in spec_paths() for client in CLIENTS}
        - {"/api/auth/browser/v1/tokens/refresh"}
    )


def client_as(who: str, raise_errors: bool = False) -> APIClient:
    client = APIClient(raise_request_exception=raise_errors)
    if who == "member":
        client.force_login(factories.UserFactory())
    return client


def assert_answered(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400 and response.content:
        assert response["Content-Type"].startswith("application/json"), (what, response.content)


def test_the_walk_sees_the_authentication_api():
    assert len(paths()) >= 20


@pytest.mark.parametrize("path", paths())
@pytest.mark.parametrize("who", ["visitor", "member"])
def test_every_method_and_body_is_answered_without_a_server_error(path, who):
    client = client_as(who)
    for method in METHODS:
        for raw in BODIES:
            response = client.generic(method, path, raw, content_type="application/json")
            assert_answered(response, (method, raw))


@pytest.mark.parametrize("client_kind", CLIENTS)
@pytest.mark.parametrize("key", RESET_KEYS)
def test_a_malformed_password_reset_key_is_400_invalid(client_kind, key):
    url = f"/api/auth/{client_kind}/v1/auth/password/reset"
    client = client_as("visitor")
    looked_up = client.get(url, HTTP_X_PASSWORD_RESET_KEY=key)
    used = client.post(url, {"key": key, "password": "a-long-new-password-42"}, format="json")
    for response in (looked_up, used):
        assert response.status_code == 400, (key, response.status_code, response.content)
        errors = response.json()["errors"]
        assert any(e["code"] == "invalid_password_reset" for e in errors), errors


@pytest.mark.parametrize("client_kind", CLIENTS)
@pytest.mark.parametrize(
    "path",
    ["account/phone", "auth/phone/verify", "auth/phone/verify/resend", "auth/code/confirm"],
)
@pytest.mark.parametrize("who", ["visitor", "member"])
def test_flows_not_offered_are_not_routed(client_kind, path, who):
    client = client_as(who)
    for method in ("GET", "POST", "TRACE"):
        response = client.generic(
            method, f"/api/auth/{client_kind}/v1/{path}", "{}", "application/json"
        )
        assert response.status_code == 404, (method, response.status_code)
        assert response.json()["code"] == "not_found"


def test_the_published_specification_lists_only_what_is_routed(client):
    spec = json.loads(client.get("/api/auth/openapi.json").content)
    listed = " ".join(spec["paths"])
    assert "phone" not in listed
    assert "code/confirm" not in listed
    assert "/auth/password/reset" in listed
