"""Every operation of the API's schema, with a small world to aim them at.

A test of a class of input (invalid Unicode, non-ASCII digits, ...) walks ``operations()`` and
sends each one the input through the role it is about, so an endpoint added later is covered
without a line more:

    for op in operations():
        response = send(client, op.method, world.path(op), body)
"""

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from rest_framework.test import APIClient

from accounts.models import User
from community.forum.models import Board, Post, Thread
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from community.resources.models import Resource
from tests import factories

JSON = "application/json"
ERROR_KEYS = {"code", "message", "fields"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any] = field(hash=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == location]

    def required_query(self) -> dict[str, str]:
        """A value for each required query parameter (only search's ``q`` today)."""
        return {p["name"]: "neck" for p in self.parameters("query") if p.get("required")}

    def body_schema(self) -> dict[str, Any] | None:
        body = self.spec.get("requestBody")
        if not body:
            return None
        content = body["content"].get(JSON)
        return resolve(content["schema"]) if content else None


@functools.cache
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """The schema object behind a ``$ref`` (or an ``allOf`` of one), else the node itself."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return resolve(schema()["components"]["schemas"][name])
    if "allOf" in node and len(node["allOf"]) == 1:
        return resolve(node["allOf"][0])
    return node


@functools.cache
def operations() -> tuple[Operation, ...]:
    found = []
    for path, item in schema()["paths"].items():
        for method, spec in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                found.append(Operation(method.upper(), path, spec))
    return tuple(found)


def properties(node: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple, dict]]:
    """Every (path, schema) of the properties of an object schema, nested objects included."""
    node = resolve(node)
    found: list[tuple[tuple, dict]] = []
    for name, prop in node.get("properties", {}).items():
        prop = resolve(prop)
        if prop.get("readOnly"):
            continue
        found.append(((*prefix, name), prop))
        if prop.get("type") == "object" and "properties" in prop:
            found.extend(properties(prop, (*prefix, name)))
    return found


def nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    for name in reversed(path):
        value = {name: value}
    return value  # type: ignore[no-any-return]


@dataclass
class World:
    """One of each thing a path can name, visible to everyone, and the people to ask."""

    author: User
    other: User
    moderator: User
    board: Board
    thread: Thread
    reply: Post
    resource: Resource
    notification: Notification

    def path(self, op: Operation, **override: str) -> str:
        values = {
            "slug": self.board.slug,
            "username": self.other.username,
            "kind": "support",
            **override,
        }
        if "{id}" in op.path and "id" not in values:
            values["id"] = str(self._id_for(op.path))
        path = op.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"no value for a parameter of {op.path}"
        return path

    def _id_for(self, path: str) -> int:
        prefix = path.removeprefix("/api/v1/").removeprefix("moderation/").split("/")[0]
        return {
            "threads": self.thread.pk,
            "posts": self.reply.pk,
            "resources": self.resource.pk,
            "notifications": self.notification.pk,
        }[prefix]

    def client(self, who: str) -> APIClient:
        client = APIClient()
        user = {"visitor": None, "member": self.author, "moderator": self.moderator}[who]
        if user is not None:
            client.force_login(user)
        return client


def build_world() -> World:
    author = factories.UserFactory()
    other = factories.UserFactory()
    moderator = factories.ModeratorFactory()
    board = factories.BoardFactory()
    thread = factories.make_thread(board=board, author=author)
    reply = factories.make_reply(thread=thread, author=other)
    resource = factories.make_resource()
    notification = Notification.objects.create(
        recipient=author,
        kind=Kind.REPLY_TO_MY_POST,
        actor=other,
        post=reply,
        thread=thread,
        board=board,
    )
    return World(author, other, moderator, board, thread, reply, resource, notification)


def send(client: APIClient, method: str, path: str, raw: str | None = None, **extra: Any):
    return client.generic(method, path, raw or "", content_type=JSON, **extra)


def send_json(client: APIClient, method: str, path: str, payload: Any, **extra: Any):
    return send(client, method, path, json.dumps(payload), **extra)


def assert_error_shape(response, *statuses: int) -> dict[str, Any]:
    """A 4xx in the one error shape (with one of ``statuses`` when given); returns the body."""
    assert response.status_code < 500, (response.status_code, response.content[:500])
    assert response.status_code >= 400, (response.status_code, response.content[:500])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.content[:500])
    assert response["Content-Type"].split(";")[0] == JSON, response.content[:200]
    body = response.json()
    assert set(body) >= ERROR_KEYS, body
    assert isinstance(body["message"], str), body
    assert body["message"].strip(), body
    return body  # type: ignore[no-any-return]


def fingerprint() -> dict[str, int]:
    """How many rows each of the project's tables holds: a request that must change nothing
    leaves it as it was."""
    ours = {"accounts", "forum", "moderation", "notifications", "resources"}
    counted = {}
    for model in apps.get_models():
        if model._meta.app_label in ours:
            counted[model._meta.label] = model._default_manager.count()
    return counted
