"""Classes of bad input, each sent to every operation of the schema: a clear 4xx in the error
shape, never a 500, and nothing written."""

import json

import pytest

from tests.endpoints import (
    Operation,
    World,
    assert_error_shape,
    build_world,
    fingerprint,
    nest,
    operations,
    properties,
    send,
)

pytestmark = pytest.mark.django_db

SURROGATES = ["\ud800", "ok \udfff", "half \ud83d an emoji"]
# Superscript two, circled one, Arabic-Indic one, fullwidth one, Devanagari five: Python's
# int() and str.isdigit() take some of these; a client's integers are ASCII digits only.
NON_ASCII_DIGITS = ["\u00b2", "\u2460", "\u0661", "\uff11", "1\u0665"]

WITH_BODY = [op for op in operations() if op.body_schema() is not None]
WITH_ID = [op for op in operations() if "{id}" in op.path]
WITH_INTEGER_QUERY = [
    op
    for op in operations()
    if any(p["schema"].get("type") == "integer" for p in op.parameters("query"))
]
WITH_INTEGER_BODY = [
    op
    for op in WITH_BODY
    if any(prop.get("type") == "integer" for _, prop in properties(op.body_schema() or {}))
]


@pytest.fixture
def world(db, search_columns) -> World:
    return build_world()


def ids(ops: list[Operation]) -> list[str]:
    return [op.id for op in ops]


def test_the_walk_sees_the_whole_api():
    """The lists below are built from the schema: if it shrank, the tests would prove little."""
    assert len(operations()) >= 60
    assert len(WITH_BODY) >= 20
    assert len(WITH_ID) >= 25
    assert WITH_INTEGER_QUERY
    assert WITH_INTEGER_BODY


# --- Invalid Unicode: refused once, where the body is parsed --------------------------------


@pytest.mark.parametrize("op", WITH_BODY, ids=ids(WITH_BODY))
@pytest.mark.parametrize("who", ["member", "moderator"])
def test_a_lone_surrogate_in_any_string_is_400_invalid(world, op, who):
    client = world.client(who)
    path = world.path(op)
    before = fingerprint()
    strings = [p for p, prop in properties(op.body_schema() or {}) if prop.get("type") != "object"]
    payloads = [nest(p, SURROGATES[i % len(SURROGATES)]) for i, p in enumerate(strings)]
    payloads.append({"\ud800": "a key that is not text"})
    for payload in payloads:
        response = send(client, op.method, path, json.dumps(payload, ensure_ascii=True))
        body = assert_error_shape(response)
        if response.status_code == 400:
            assert body["code"] == "invalid", body
    assert fingerprint() == before


@pytest.mark.parametrize("op", WITH_BODY, ids=ids(WITH_BODY))
def test_a_moderator_is_told_which_field_holds_invalid_text(world, op):
    """The moderator may call every operation, so the parser is what answers."""
    client = world.client("moderator")
    for path_in_body, prop in properties(op.body_schema() or {}):
        if prop.get("type") == "object":
            continue
        raw = json.dumps(nest(path_in_body, "\ud800"), ensure_ascii=True)
        response = send(client, op.method, world.path(op), raw)
        if response.status_code == 404:
            continue  # an operation only its owner may call (a member's own suggestion)
        body = assert_error_shape(response, 400)
        assert body["code"] == "invalid", body
        problems = body["fields"]
        for name in path_in_body:
            assert name in problems, (path_in_body, body)
            problems = problems[name]
        assert problems, body


def test_invalid_unicode_in_a_key_of_a_free_form_object_is_400(world):
    client = world.client("member")
    raw = json.dumps({"kinds": {"\ud800": {"email": True}}}, ensure_ascii=True)
    response = send(client, "PATCH", "/api/v1/me/notification-preferences", raw)
    body = assert_error_shape(response, 400)
    assert body["code"] == "invalid"


# --- Integers from a client are ASCII digits ------------------------------------------------


@pytest.mark.parametrize("op", WITH_ID, ids=ids(WITH_ID))
def test_an_id_in_other_digits_is_a_404(world, op):
    client = world.client("moderator")
    before = fingerprint()
    for digits in NON_ASCII_DIGITS:
        response = send(client, op.method, world.path(op, id=digits))
        assert_error_shape(response, 404)
    assert fingerprint() == before


@pytest.mark.parametrize("op", WITH_INTEGER_QUERY, ids=ids(WITH_INTEGER_QUERY))
@pytest.mark.parametrize("who", ["visitor", "moderator"])
def test_an_integer_parameter_in_other_digits_is_400_naming_it(world, op, who):
    client = world.client(who)
    for param in op.parameters("query"):
        if param["schema"].get("type") != "integer":
            continue
        for digits in NON_ASCII_DIGITS:
            query = {**op.required_query(), param["name"]: digits}
            response = client.get(world.path(op), query)
            if who == "visitor" and response.status_code in (401, 403, 404):
                continue
            body = assert_error_shape(response, 400)
            assert param["name"] in body["fields"], body


@pytest.mark.parametrize("op", WITH_INTEGER_BODY, ids=ids(WITH_INTEGER_BODY))
def test_an_integer_field_in_other_digits_is_400_naming_it(world, op):
    client = world.client("moderator")
    before = fingerprint()
    for path_in_body, prop in properties(op.body_schema() or {}):
        if prop.get("type") != "integer":
            continue
        for digits in NON_ASCII_DIGITS:
            raw = json.dumps(nest(path_in_body, digits))
            response = send(client, op.method, world.path(op), raw)
            body = assert_error_shape(response, 400)
            assert path_in_body[0] in body["fields"], body
    assert fingerprint() == before


# --- A session token that signs no one in is never a silent visitor -------------------------


@pytest.mark.parametrize("op", operations(), ids=ids(list(operations())))
def test_a_dead_session_token_is_401_session_expired_everywhere(world, op):
    client = world.client("visitor")
    before = fingerprint()
    response = send(
        client, op.method, world.path(op), "{}", HTTP_X_SESSION_TOKEN="ended-session-token-0001"
    )
    body = assert_error_shape(response, 401)
    assert body["code"] == "session_expired", body
    assert "X-Session-Token" in response["WWW-Authenticate"]
    assert fingerprint() == before


# --- A PATCH names what it changes; a page is 1 to 100 rows ---------------------------------

PATCHES = [op for op in operations() if op.method == "PATCH"]
WITH_PAGE_SIZE = [
    op for op in operations() if any(p["name"] == "page_size" for p in op.parameters("query"))
]


@pytest.mark.parametrize("op", PATCHES, ids=ids(PATCHES))
def test_a_patch_naming_no_field_is_400_and_the_schema_says_so(world, op):
    assert op.body_schema()["minProperties"] == 1
    client = world.client("moderator")
    before = fingerprint()
    body = assert_error_shape(send(client, op.method, world.path(op), "{}"), 400)
    assert body["code"] == "invalid"
    assert "at least one field" in body["message"]
    assert fingerprint() == before


@pytest.mark.parametrize("op", WITH_PAGE_SIZE, ids=ids(WITH_PAGE_SIZE))
def test_a_page_size_out_of_range_is_400_as_the_schema_declares(world, op):
    declared = next(p for p in op.parameters("query") if p["name"] == "page_size")["schema"]
    assert (declared["minimum"], declared["maximum"]) == (1, 100)
    client = world.client("moderator")
    for size in ("0", "101", "-1", "99999999999999999999"):
        query = {**op.required_query(), "page_size": size}
        body = assert_error_shape(client.get(world.path(op), query), 400)
        assert "page_size" in body["fields"], body
    for size in ("1", "100"):
        response = client.get(world.path(op), {**op.required_query(), "page_size": size})
        assert response.status_code == 200, (size, response.content[:300])


# --- A method a route does not take is 405, whoever asks ------------------------------------

PATHS = sorted({op.path for op in operations()})


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_method_a_route_does_not_take_is_405_with_allow(world, path, who):
    declared = {op.method for op in operations() if op.path == path}
    client = world.client(who)
    url = world.path(next(op for op in operations() if op.path == path))
    for method in sorted({"GET", "PUT", "POST", "PATCH", "DELETE", "TRACE"} - declared):
        response = send(client, method, url, "{}")
        body = assert_error_shape(response, 405)
        assert body["code"] == "method_not_allowed"
        allowed = {m.strip() for m in response["Allow"].split(",")}
        assert declared <= allowed, (method, allowed)


@pytest.mark.parametrize("op", PATCHES, ids=ids(PATCHES))
def test_a_patch_with_no_body_at_all_is_400(world, op):
    client = world.client("moderator")
    before = fingerprint()
    response = client.generic("PATCH", world.path(op))
    body = assert_error_shape(response, 400)
    assert "at least one field" in body["message"]
    assert fingerprint() == before
