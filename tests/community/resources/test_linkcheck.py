"""The link checker against a real local HTTP server: what it reports, and where it refuses
to go."""

import socket
import time
from urllib.parse import quote

import pytest

from bench.lib.httpserver import LocalServer
from community.resources.linkcheck import (
    REFUSED_ADDRESS,
    REFUSED_SCHEME,
    CheckResult,
    check_many,
    check_url,
    client_make,
)


@pytest.fixture(autouse=True)
def _library_ready():
    """Nothing here touches the database: no test database to prepare."""


@pytest.fixture
def unlisted():
    """A second loopback server that is not in RESOURCES_LINK_CHECK_ALLOW."""
    with LocalServer() as server:
        yield server


@pytest.fixture
def checker(server):
    with client_make() as client:
        yield client


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection the process opens from here on, by address."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


def test_a_working_page_is_ok_and_the_server_sees_our_user_agent(server, checker, settings):
    result = check_url(server.url("/ok"), client=checker)

    assert result == CheckResult(ok=True, status_code=200, final_url=server.url("/ok"), error="")
    [seen] = server.requests
    assert seen.method == "HEAD"
    assert seen.user_agent == settings.RESOURCES_LINK_CHECK_USER_AGENT
    assert "link checker" in seen.user_agent


def test_a_missing_page_fails_with_its_status_after_one_head(server, checker):
    result = check_url(server.url("/status/404"), client=checker)

    assert result.ok is False
    assert result.status_code == 404
    assert result.error == "HTTP 404"
    assert [seen.method for seen in server.requests] == ["HEAD"]


def test_a_server_error_fails_and_get_has_the_last_word(server, checker):
    result = check_url(server.url("/status/500"), client=checker)

    assert (result.ok, result.status_code, result.error) == (False, 500, "HTTP 500")
    assert [seen.method for seen in server.requests] == ["HEAD", "GET"]


def test_a_server_without_head_is_asked_with_get(server, checker):
    result = check_url(server.url("/head-not-allowed"), client=checker)

    assert (result.ok, result.status_code, result.error) == (True, 200, "")
    assert [seen.method for seen in server.requests] == ["HEAD", "GET"]


def test_a_slow_server_times_out_within_the_timeout_setting(server, settings):
    settings.RESOURCES_LINK_CHECK_TIMEOUT_SECONDS = 0.3
    started = time.monotonic()
    with client_make() as client:
        result = check_url(server.url("/slow/3"), client=client)

    assert (result.ok, result.status_code, result.error) == (False, None, "timed out")
    assert time.monotonic() - started < 2


def test_a_short_redirect_chain_is_followed_to_the_page(server, checker):
    result = check_url(server.url("/redirect/2"), client=checker)

    assert result == CheckResult(
        ok=True, status_code=200, final_url=server.url("/redirect/0"), error=""
    )
    assert server.paths() == ["/redirect/2", "/redirect/1", "/redirect/0"]


def test_five_redirects_are_followed_and_a_sixth_is_too_many(server, checker, settings):
    assert settings.RESOURCES_LINK_CHECK_MAX_REDIRECTS == 5
    assert check_url(server.url("/redirect/5"), client=checker).ok is True

    result = check_url(server.url("/redirect/9"), client=checker)

    assert (result.ok, result.error) == (False, "too many redirects")
    # The five redirects followed, and no request after the one that answered a sixth.
    assert server.paths()[6:] == [f"/redirect/{n}" for n in (9, 8, 7, 6, 5, 4)]


def test_a_redirect_loop_fails_without_going_round(server, checker):
    result = check_url(server.url("/loop/a"), client=checker)

    assert (result.ok, result.error) == (False, "redirect loop")
    assert server.paths() == ["/loop/a", "/loop/b"]


def test_a_redirect_to_a_loopback_server_not_allowed_is_refused_before_connecting(
    server, unlisted, checker
):
    inside = unlisted.url("/ok")

    result = check_url(server.url(f"/to?location={quote(inside, safe='')}"), client=checker)

    assert result == CheckResult(
        ok=False, status_code=None, final_url=inside, error=REFUSED_ADDRESS
    )
    assert unlisted.connections == 0
    assert unlisted.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok",
        "http://[::1]:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://0.0.0.0:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        # 127.0.0.1 spelt as one number: refused by what it resolves to, not how it reads.
        "http://2130706433:{port}/ok",
        "https://192.168.1.1/",
    ],
)
def test_private_and_reserved_addresses_are_refused_without_a_connection(
    url, unlisted, connections, settings
):
    settings.RESOURCES_LINK_CHECK_ALLOW = []
    with client_make() as client:
        result = check_url(url.format(port=unlisted.port), client=client)

    assert (result.ok, result.status_code, result.error) == (False, None, REFUSED_ADDRESS)
    assert connections == []
    assert unlisted.connections == 0


def test_a_hostname_that_resolves_to_loopback_is_refused(unlisted, connections, checker):
    result = check_url(f"http://localhost:{unlisted.port}/ok", client=checker)

    assert (result.ok, result.error) == (False, REFUSED_ADDRESS)
    assert connections == []
    assert unlisted.requests == []


def _fake_dns(monkeypatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Answers for these names, one list of addresses per lookup; other names resolve as
    usual. Returns the names looked up."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        addresses = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_public_name_with_one_private_address_among_its_answers_is_refused(
    monkeypatch, connections, checker
):
    _fake_dns(monkeypatch, {"mixed.example.org": [["93.184.215.14", "10.1.2.3"]]})

    result = check_url("http://mixed.example.org/", client=checker)

    assert result.error == REFUSED_ADDRESS
    assert connections == []


def test_the_checker_connects_to_the_address_it_checked_not_a_second_lookup(
    monkeypatch, server, connections, checker
):
    # The first answer is allowed (the test server); any later lookup would say 10.0.0.1.
    asked = _fake_dns(
        monkeypatch, {"library.example.org": [["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]]}
    )

    result = check_url(f"http://library.example.org:{server.port}/ok", client=checker)

    assert result.ok is True
    assert asked == ["library.example.org"]
    assert connections == [("127.0.0.1", server.port)]
    # The server still hears the name the link uses.
    assert server.requests[0].host == f"library.example.org:{server.port}"


@pytest.mark.parametrize(
    "location", ["javascript:alert(document.cookie)", "ftp://127.0.0.1/pub/file.txt"]
)
def test_a_redirect_to_another_scheme_is_refused(location, server, checker):
    result = check_url(server.url(f"/to?location={quote(location, safe='')}"), client=checker)

    assert (result.ok, result.error, result.final_url) == (False, REFUSED_SCHEME, location)
    assert len(server.requests) == 1


def test_a_link_that_is_not_http_is_refused_as_it_stands(checker, connections):
    result = check_url("file:///etc/passwd", client=checker)

    assert (result.ok, result.error) == (False, REFUSED_SCHEME)
    assert connections == []


def test_a_closed_port_is_reported_as_refused(settings):
    with LocalServer() as gone:
        port = gone.port
    settings.RESOURCES_LINK_CHECK_ALLOW = [f"127.0.0.1:{port}"]
    with client_make() as client:
        result = check_url(f"http://127.0.0.1:{port}/ok", client=client)

    assert (result.ok, result.status_code, result.error) == (False, None, "connection refused")


def test_check_many_keeps_to_its_concurrency_and_the_order_of_the_links(server):
    urls = [
        server.url("/status/404") if n % 4 == 0 else server.url(f"/slow/0.2?n={n}")
        for n in range(12)
    ]

    results = check_many(urls, concurrency=3)

    assert [result.ok for result in results] == [n % 4 != 0 for n in range(12)]
    assert [result.final_url for result in results] == urls
    assert server.max_in_flight == 3
