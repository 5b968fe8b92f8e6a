"""Whole numbers in the admin's addresses are ASCII digits: every registered page is walked
with other scripts' digits in its object id and in each of its filters."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

NON_ASCII_DIGITS = ["\u00b2", "\u2460", "\u0661", "\uff11", "1\u0665"]
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
FILTER_LINK = re.compile(r'href="(\?[^"]+)"')


@pytest.fixture
def superuser_client(db) -> Client:
    client = Client()
    client.force_login(factories.AdminFactory())
    return client


@pytest.fixture
def world(db):
    """One row of the main kinds, so object 1 (or its neighbours) exists to be served."""
    author = factories.UserFactory()
    board = factories.BoardFactory()
    thread = factories.make_thread(board=board, author=author)
    factories.make_reply(thread=thread, author=author)
    factories.make_resource()


def label(model) -> str:
    return model._meta.label


def url(model, view: str, *args: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_an_object_id_in_other_digits_is_answered_like_one_that_does_not_exist(
    superuser_client, world, model
):
    missing = superuser_client.get(url(model, "change", "987654321"))
    for digits in NON_ASCII_DIGITS:
        response = superuser_client.get(url(model, "change", digits))
        assert response.status_code in (missing.status_code, 404), (digits, response.status_code)
        assert response.status_code != 200


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_a_filter_in_other_digits_is_refused_not_read_as_a_number(superuser_client, world, model):
    changelist = superuser_client.get(url(model, "changelist"))
    assert changelist.status_code == 200
    names = {
        name
        for link in FILTER_LINK.findall(changelist.content.decode())
        for name, _ in parse_qsl(urlsplit(unescape(link)).query)
        if name not in {"q", "o", "p", "e"}
    }
    for name in sorted(names):
        for digits in NON_ASCII_DIGITS:
            response = superuser_client.get(url(model, "changelist"), {name: digits})
            assert response.status_code == 400, (name, digits, response.status_code)
            assert b"digits 0 to 9" in response.content


def test_search_may_hold_any_digits(superuser_client, world):
    from community.forum.models import Post

    response = superuser_client.get(url(Post, "changelist"), {"q": "\u00b2"})
    assert response.status_code == 200


def test_the_walk_sees_the_admins_filters(superuser_client, world):
    from community.moderation.models import ModerationAction

    page = superuser_client.get(url(ModerationAction, "changelist")).content.decode()
    assert "actor=" in unescape(page)
