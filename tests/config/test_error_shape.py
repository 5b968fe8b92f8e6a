"""Every error under /api/ answers in the one JSON shape, with a stable code, never HTML or 500."""

import json
from datetime import datetime

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests import factories

ME = "/api/v1/me"
BASE_KEYS = {"code", "message", "fields"}
JSON_TYPE = "application/json"


def assert_error(response, status: int, code: str, extra_keys: frozenset[str] = frozenset()):
    """The response is the API error shape with this status and code; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0].strip() == JSON_TYPE
    body = json.loads(response.content)
    assert set(body) == BASE_KEYS | extra_keys, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"].strip()
    assert isinstance(body["fields"], dict)
    return body


def field_problems(body: dict, path: tuple[str, ...]):
    """The problems ``fields`` lists under this (possibly nested) field; fails if absent."""
    node = body["fields"]
    for name in path:
        assert isinstance(node, dict), body
        assert name in node, body
        node = node[name]
    return node


def patch_raw(client: APIClient, body: bytes | str, content_type: str = JSON_TYPE, **extra):
    return client.generic("PATCH", ME, body, content_type=content_type, **extra)


def patch_json(client: APIClient, payload: object):
    return patch_raw(client, json.dumps(payload))


def me(client: APIClient) -> dict:
    response = client.get(ME)
    assert response.status_code == 200, response.content
    return response.json()


# --- Malformed and undecodable bodies ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"display_name": ',
        '{"display_name": "Jo",}',
        "{display_name: 'Jo'}",
        "not json at all",
        '{"display_name": "Jo"} trailing',
    ],
    ids=["truncated", "trailing-comma", "unquoted", "prose", "trailing-garbage"],
)
def test_malformed_json_is_parse_error(member_client, body):
    assert_error(patch_raw(member_client, body), 400, "parse_error")


@pytest.mark.parametrize(
    "body",
    [
        b'{"display_name": "\xff\xfe"}',
        b'{"display_name": "\xc3\x28"}',
        b'{"display_name": "\xed\xa0\x80"}',
        b"\xff\xfe{\x00}\x00",
    ],
    ids=["ff-fe", "broken-two-byte", "encoded-surrogate", "utf16-bom"],
)
def test_invalid_utf8_body_is_parse_error(member_client, body):
    before = me(member_client)
    assert_error(patch_raw(member_client, body), 400, "parse_error")
    assert me(member_client) == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_parse_error(member_client, constant):
    before = me(member_client)
    body = f'{{"profile": {{"diagnosis_year": {constant}}}}}'
    assert_error(patch_raw(member_client, body), 400, "parse_error")
    assert me(member_client) == before


@pytest.mark.parametrize("opener", ["[", '{"a":'], ids=["lists", "objects"])
def test_deeply_nested_json_is_parse_error(member_client, opener):
    depth = 10_000
    closer = "]" if opener == "[" else "}"
    body = opener * depth + "1" + closer * depth
    assert len(body.encode()) < django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert_error(patch_raw(member_client, body), 400, "parse_error")


@pytest.mark.parametrize(
    "charset", ["bz2_codec", "zlib_codec", "rot13"], ids=["bz2", "zlib", "rot13"]
)
def test_unusable_charset_is_parse_error(member_client, charset):
    before = me(member_client)
    response = patch_raw(member_client, '{"display_name": "Jo"}', f"{JSON_TYPE}; charset={charset}")
    assert_error(response, 400, "parse_error")
    assert me(member_client) == before


def test_raw_nul_byte_inside_a_json_string_is_parse_error(member_client):
    before = me(member_client)
    assert_error(patch_raw(member_client, b'{"display_name": "Jo\x00"}'), 400, "parse_error")
    assert me(member_client) == before


# --- Well-formed JSON with the wrong types or values -----------------------------------------


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"profile": {"diagnosis_year": "soon"}}, ("profile", "diagnosis_year")),
        ({"profile": {"diagnosis_year": 1899}}, ("profile", "diagnosis_year")),
        ({"profile": {"diagnosis_year": 9999}}, ("profile", "diagnosis_year")),
        ({"profile": {"diagnosis_year": [2019]}}, ("profile", "diagnosis_year")),
        ({"display_name": True}, ("display_name",)),
        ({"display_name": ["Jo"]}, ("display_name",)),
        ({"display_name": {"first": "Jo"}}, ("display_name",)),
        ({"display_name": None}, ("display_name",)),
        ({"profile": "public"}, ("profile",)),
        ({"profile": ["bio"]}, ("profile",)),
        ({"profile": {"treatments": "yoga"}}, ("profile", "treatments")),
        ({"profile": {"treatments": ["levitation"]}}, ("profile", "treatments")),
        ({"profile": {"bio_visibility": "friends"}}, ("profile", "bio_visibility")),
        ({"profile": {"country": "Atlantis"}}, ("profile", "country")),
    ],
    ids=[
        "year-as-word",
        "year-too-early",
        "year-in-future",
        "year-as-list",
        "name-as-bool",
        "name-as-list",
        "name-as-object",
        "name-null",
        "profile-as-string",
        "profile-as-list",
        "treatments-as-string",
        "unknown-treatment",
        "unknown-visibility",
        "unknown-country",
    ],
)
def test_wrong_types_are_invalid_naming_the_field(member_client, payload, path):
    before = me(member_client)
    body = assert_error(patch_json(member_client, payload), 400, "invalid")
    assert field_problems(body, path), body
    assert me(member_client) == before


@pytest.mark.parametrize(
    "body",
    ["[]", '[{"display_name": "Jo"}]', '"Jo"', "42", "true", "null"],
    ids=["empty-list", "list-of-object", "string", "number", "bool", "null"],
)
def test_a_body_that_is_not_an_object_is_invalid(member_client, body):
    before = me(member_client)
    assert_error(patch_raw(member_client, body), 400, "invalid")
    assert me(member_client) == before


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"display_name": "x" * 61}, ("display_name",)),
        ({"display_name": "x" * 10_000}, ("display_name",)),
        ({"profile": {"bio": "x" * 2001}}, ("profile", "bio")),
        ({"profile": {"bio": "é" * 2001}}, ("profile", "bio")),
    ],
    ids=["name-61", "name-10000", "bio-2001", "bio-2001-non-ascii"],
)
def test_oversized_strings_are_invalid_naming_the_field(member_client, payload, path):
    before = me(member_client)
    body = assert_error(patch_json(member_client, payload), 400, "invalid")
    assert field_problems(body, path), body
    assert me(member_client) == before


def test_strings_at_the_limit_are_accepted(member_client):
    response = patch_json(member_client, {"display_name": "x" * 60, "profile": {"bio": "y" * 2000}})
    assert response.status_code == 200, response.content
    after = me(member_client)
    assert after["display_name"] == "x" * 60
    assert after["profile"]["bio"] == "y" * 2000


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"display_name": "Jo\u0000"}, ("display_name",)),
        ({"display_name": "\u0000"}, ("display_name",)),
        ({"profile": {"bio": "Diagnosed\u0000 in 2019"}}, ("profile", "bio")),
        ({"display_name": "Jo", "profile": {"bio": "ok\u0000"}}, ("profile", "bio")),
    ],
    ids=["name-end", "name-only-nul", "bio-middle", "valid-name-nul-bio"],
)
def test_nul_byte_in_a_json_string_is_invalid_and_nothing_is_stored(member_client, payload, path):
    before = me(member_client)
    body = assert_error(patch_json(member_client, payload), 400, "invalid")
    assert field_problems(body, path), body
    after = me(member_client)
    assert after == before
    assert "\x00" not in after["display_name"]
    assert "\x00" not in after["profile"]["bio"]


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"display_name": "\ud800"}, ("display_name",)),
        ({"display_name": "Jo \udfff"}, ("display_name",)),
        ({"profile": {"bio": "a lone \ud83d half"}}, ("profile", "bio")),
    ],
    ids=["lone-high", "lone-low", "half-emoji-in-bio"],
)
def test_lone_surrogate_escape_is_invalid_naming_the_field(member_client, payload, path):
    before = me(member_client)
    body = assert_error(
        patch_raw(member_client, json.dumps(payload, ensure_ascii=True)), 400, "invalid"
    )
    assert field_problems(body, path), body
    assert me(member_client) == before


# --- Size, media types, methods --------------------------------------------------------------


def test_body_larger_than_the_upload_limit_is_413(member_client):
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    before = me(member_client)
    payload = json.dumps({"profile": {"bio": "x" * limit}})
    assert len(payload.encode()) > limit
    assert_error(patch_raw(member_client, payload), 413, "payload_too_large")
    assert me(member_client) == before


def test_body_larger_than_a_lowered_upload_limit_is_413(member_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = json.dumps({"profile": {"bio": "x" * 1100}})
    assert_error(patch_raw(member_client, payload), 413, "payload_too_large")
    small = patch_json(member_client, {"display_name": "Jo"})
    assert small.status_code == 200, small.content


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"display_name": "Jo"}', "text/plain"),
        ("display_name=Jo", "application/x-www-form-urlencoded"),
        ('{"display_name": "Jo"}', "application/xml"),
        ('{"display_name": "Jo"}', "application/octet-stream"),
        ('{"display_name": "Jo"}', ""),
    ],
    ids=["text-plain", "form", "xml", "octet-stream", "empty"],
)
def test_wrong_content_type_is_415(member_client, body, content_type):
    before = me(member_client)
    assert_error(patch_raw(member_client, body, content_type), 415, "unsupported_media_type")
    assert me(member_client) == before


def test_multipart_form_is_415(member_client):
    before = me(member_client)
    response = member_client.patch(ME, data={"display_name": "Jo"}, format="multipart")
    assert_error(response, 415, "unsupported_media_type")
    assert me(member_client) == before


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "image/png"])
def test_unsupported_accept_is_406(member_client, member, accept):
    assert_error(member_client.get(ME, HTTP_ACCEPT=accept), 406, "not_acceptable")
    response = member_client.get(f"/api/v1/members/{member.username}", HTTP_ACCEPT=accept)
    assert_error(response, 406, "not_acceptable")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", ME),
        ("put", ME),
        ("post", ME),
        ("delete", "/api/v1/members/{username}"),
        ("post", "/api/v1/members/{username}"),
    ],
)
def test_wrong_method_is_405_with_allow_header(member_client, member, method, path):
    url = path.format(username=member.username)
    response = getattr(member_client, method)(url)
    assert_error(response, 405, "method_not_allowed")
    assert "Allow" in response
    assert method.upper() not in {m.strip() for m in response["Allow"].split(",")}


# --- Unknown routes --------------------------------------------------------------------------


NOT_FOUND_PATHS = [
    "/api/v1/does-not-exist",
    "/api/nothing",
    "/api/",
    "/api/v1/",
    "/api/v2/me",
    "/api/v1/members",
    "/api/v1/me/extra",
]


@pytest.mark.parametrize("path", NOT_FOUND_PATHS)
def test_unknown_route_is_json_404(anon_client, path):
    assert_error(anon_client.get(path), 404, "not_found")


@pytest.mark.parametrize("path", NOT_FOUND_PATHS)
def test_unknown_route_is_json_404_even_with_debug(anon_client, settings, path):
    settings.DEBUG = True
    response = anon_client.get(path)
    assert_error(response, 404, "not_found")
    assert b"<html" not in response.content.lower()


def test_unknown_route_for_a_write_is_json_404(member_client):
    response = member_client.post("/api/v1/does-not-exist", data={"a": 1}, format="json")
    assert_error(response, 404, "not_found")


# --- The address itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members/a%00b",
        "/api/v1/me%00",
        "/api/v1/does-not-exist%00",
        "/api/v1/me?q=%00",
        "/api/v1/me?q=a%00b&r=1",
        "/api/v1/members/someone?cursor=%00",
        "/api/v1/me?q=a\x00b",
        "/api/v1/me\x00",
    ],
    ids=[
        "path-encoded",
        "path-end-encoded",
        "unknown-route-encoded",
        "query-encoded",
        "query-encoded-middle",
        "query-cursor",
        "query-raw",
        "path-raw",
    ],
)
def test_nul_byte_in_address_is_400(member_client, path):
    assert_error(member_client.get(path), 400, "bad_request")


def test_nul_byte_in_address_is_400_for_anonymous_writes(anon_client):
    response = anon_client.patch("/api/v1/me?x=%00", data="{}", content_type=JSON_TYPE)
    assert_error(response, 400, "bad_request")


def test_disallowed_host_is_json_400(anon_client):
    response = anon_client.get(ME, HTTP_HOST="evil.example")
    assert_error(response, 400, "bad_request")


# --- Authentication, permission, CSRF --------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "patch"])
def test_anonymous_me_is_401_with_challenge(anon_client, method):
    response = getattr(anon_client, method)(ME, data={}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"]
    assert "X-Session-Token" in response["WWW-Authenticate"]


@pytest.mark.parametrize("token", ["not-a-real-session-token", "x", "\u00e9t\u00e9"])
def test_unknown_session_token_is_401_session_expired(anon_client, db, token):
    response = anon_client.get(ME, HTTP_X_SESSION_TOKEN=token)
    body = assert_error(response, 401, "session_expired")
    assert "sign in again" in body["message"].lower()
    assert "WWW-Authenticate" in response


def test_session_write_without_csrf_token_is_csrf_failed(member):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    before = me(client)
    response = client.patch(ME, data={"display_name": "Changed"}, format="json")
    assert_error(response, 403, "csrf_failed")
    assert me(client) == before


def test_session_write_with_csrf_token_is_accepted(member):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get("/api/auth/browser/v1/config").status_code == 200
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    response = client.patch(
        ME, data={"display_name": "Changed"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == "Changed"


def test_browser_auth_post_without_csrf_token_is_csrf_failed(member):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(
        "/api/auth/browser/v1/auth/login",
        data={"email": member.email, "password": factories.PASSWORD},
        format="json",
    )
    assert_error(response, 403, "csrf_failed")


def test_suspended_member_cannot_write_but_can_read(suspended_client, suspended_member):
    before = me(suspended_client)
    response = patch_json(suspended_client, {"display_name": "Still here"})
    body = assert_error(response, 403, "suspended", frozenset({"until"}))
    until = datetime.fromisoformat(body["until"])
    assert until.tzinfo is not None
    assert until == suspended_member.suspended_until
    after = me(suspended_client)
    assert after == before
    assert after["username"] == suspended_member.username


def test_suspended_member_is_refused_before_the_body_is_read(suspended_client):
    response = patch_raw(suspended_client, '{"display_name": ')
    assert_error(response, 403, "suspended", frozenset({"until"}))


# --- Throttling ------------------------------------------------------------------------------


def test_throttled_is_429_with_retry_after(anon_client, member, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "1000/min"},
    }
    url = f"/api/v1/members/{member.username}"
    for _ in range(2):
        assert anon_client.get(url).status_code == 200
    response = anon_client.get(url)
    body = assert_error(response, 429, "throttled", frozenset({"retry_after"}))
    assert isinstance(body["retry_after"], int)
    assert 0 < body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"])


def test_throttled_error_wins_over_not_found(anon_client, settings, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "1000/min"},
    }
    for _ in range(2):
        assert_error(anon_client.get("/api/v1/members/nobody_here"), 404, "not_found")
    response = anon_client.get("/api/v1/members/nobody_here")
    assert_error(response, 429, "throttled", frozenset({"retry_after"}))
    assert int(response["Retry-After"]) > 0


# --- Member profiles -------------------------------------------------------------------------


def test_known_member_profile_is_found(anon_client, member):
    response = anon_client.get(f"/api/v1/members/{member.username}")
    assert response.status_code == 200
    assert response.json()["username"] == member.username


@pytest.mark.parametrize(
    "username",
    [
        "nobody_here",
        "a%20b",
        "%FF",
        "%C3%A9l%C3%A8ne",
        "x" * 31,
        "x" * 3000,
        "..",
        "a%2Fb",
        "%27%3B--",
        "ab",
        "%E2%80%AE",
        "%F0%9F%98%80",
    ],
    ids=[
        "unknown",
        "space",
        "broken-utf8",
        "accents",
        "too-long",
        "very-long",
        "dots",
        "encoded-slash",
        "sql-ish",
        "too-short",
        "rtl-override",
        "emoji",
    ],
)
def test_unknown_or_impossible_member_is_404(member_client, anon_client, username):
    for client in (anon_client, member_client):
        assert_error(client.get(f"/api/v1/members/{username}"), 404, "not_found")


def test_deactivated_member_is_404(anon_client, db):
    gone = factories.UserFactory(is_active=False)
    assert_error(anon_client.get(f"/api/v1/members/{gone.username}"), 404, "not_found")


# --- A bug in a view -------------------------------------------------------------------------


def _crash(**kwargs):
    raise RuntimeError("simulated bug")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_unexpected_exception_is_json_500(member, monkeypatch, settings, debug):
    settings.DEBUG = debug
    monkeypatch.setattr("accounts.selectors.me_get", _crash)
    client = APIClient(raise_request_exception=False)
    client.force_login(member)
    response = client.get(ME)
    assert_error(response, 500, "server_error")
    assert b"simulated bug" not in response.content
    assert b"Traceback" not in response.content
