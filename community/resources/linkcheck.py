"""Asks whether a resource's link still answers, without letting a link reach inside our network.

Every connection goes through ``_GuardedBackend``: it resolves the host itself, refuses when
any address is private, loopback, link-local, multicast, reserved or unspecified, and connects
to the very address it checked, so a DNS answer that changes between the check and the connect
(rebinding) cannot slip through. TLS still verifies the certificate and sends SNI for the
hostname, and the Host header names it. Redirects are followed by hand, so every hop passes the
same checks, and only http and https are ever requested.
"""

import ipaddress
import logging
import socket
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REFUSED_ADDRESS = "refused: the address is private, loopback, link-local or reserved"
REFUSED_SCHEME = "refused: only http and https links are checked"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Answers to HEAD that really mean "not here": anything else at 400 and above may just mean
# the server does not do HEAD (405, 501, and in practice 400, 403 or 500), so GET decides.
HEAD_IS_FINAL = frozenset({404, 410})
# IPv6 prefixes that carry an IPv4 address the traffic ends up at (NAT64, 6to4).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    status_code: int | None
    final_url: str
    # "" when ok; otherwise short text for curators ("HTTP 404", "timed out", ...).
    error: str


class LinkUnreachable(Exception):
    """The link cannot be reached, for a reason we name ourselves (``text``).

    Not an httpcore error on purpose: httpx passes it through unchanged, reason intact.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def address_refused(address: IPAddress) -> bool:
    """Whether the checker must never connect to this address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refused(embedded)
        if address.is_site_local:
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allow_parse(entries: Iterable[str]) -> frozenset[tuple[IPAddress, int]]:
    allowed = set()
    for entry in entries:
        host, _, port = entry.strip().rpartition(":")
        try:
            allowed.add((ipaddress.ip_address(host.strip("[]")), int(port)))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"RESOURCES_LINK_CHECK_ALLOW entries are address:port pairs, not {entry!r}"
            ) from exc
    return frozenset(allowed)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise LinkUnreachable("host not found") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise LinkUnreachable("host not found")
    return addresses


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks every address, then connects to a checked address (never by name)."""

    def __init__(self, *, allow: frozenset[tuple[IPAddress, int]]) -> None:
        self._allow = allow
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        # One bad address refuses the host: which one the OS would pick is not ours to guess.
        if any(address_refused(a) and (a, port) not in self._allow for a in addresses):
            raise LinkUnreachable(REFUSED_ADDRESS)
        refused_count = 0
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                cause = exc.args[0] if exc.args else None
                refused_count += isinstance(cause, ConnectionRefusedError)
        if refused_count == len(addresses):
            raise LinkUnreachable("connection refused")
        raise LinkUnreachable("could not connect")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise LinkUnreachable(REFUSED_ADDRESS)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow: frozenset[tuple[IPAddress, int]]) -> None:
        super().__init__(trust_env=False)
        # httpx offers no argument for the pool's network backend, so the pool is rebuilt the
        # way HTTPTransport builds it (no proxy, HTTP/1.1), with the guarded backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=10,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow=allow),
        )


def client_make() -> httpx.Client:
    """A client for ``check_url``: guarded connections, our timeout and User-Agent, no
    automatic redirects and no proxies from the environment."""
    return httpx.Client(
        transport=_GuardedTransport(allow=_allow_parse(settings.RESOURCES_LINK_CHECK_ALLOW)),
        timeout=httpx.Timeout(settings.RESOURCES_LINK_CHECK_TIMEOUT_SECONDS),
        headers={"User-Agent": settings.RESOURCES_LINK_CHECK_USER_AGENT},
        follow_redirects=False,
        event_hooks={"response": [_redirect_stop]},
        trust_env=False,
    )


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "SSL" in text or "certificate" in text.lower():
            return "secure connection failed"
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server sent an invalid answer"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return "invalid address"
    return "connection broken"


class _Redirect(Exception):
    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


def _redirect_stop(response: httpx.Response) -> None:
    """Response hook: httpx works out the next request of every redirect, even one it will not
    follow, and fails on a Location such as "javascript:..."; stopping first leaves every
    Location for ``check_url`` to judge."""
    if response.has_redirect_location:
        raise _Redirect(response.status_code, response.headers["location"])


def _ask(client: httpx.Client, url: httpx.URL, method: str) -> tuple[int, str | None, str]:
    """One request to ``url``; returns the status, the redirect's Location and the method to
    use from here on (GET once a server has shown it does not do HEAD)."""
    try:
        if method == "HEAD":
            try:
                response = client.head(url)
            except httpx.RemoteProtocolError:
                pass  # some servers drop HEAD requests on the floor; GET decides
            else:
                status = response.status_code
                if status < 400 or status in HEAD_IS_FINAL:
                    return status, response.headers.get("location"), method
            method = "GET"
        # Streamed and closed unread: the status is all we need, not the page.
        with client.stream("GET", url) as response:
            return response.status_code, response.headers.get("location"), method
    except _Redirect as redirect:
        return redirect.status, redirect.location, method


def check_url(url: str, *, client: httpx.Client) -> CheckResult:
    """Whether ``url`` answers 2xx, following at most RESOURCES_LINK_CHECK_MAX_REDIRECTS
    redirects. ``client`` comes from ``client_make``. Never raises for anything the link or
    its server does."""
    method = "HEAD"
    current = url
    seen: set[str] = set()
    status: int | None = None
    for _hop in range(settings.RESOURCES_LINK_CHECK_MAX_REDIRECTS + 1):
        try:
            target = httpx.URL(current)
        except httpx.InvalidURL:
            return CheckResult(
                ok=False, status_code=status, final_url=current, error="invalid address"
            )
        if target.scheme not in ("http", "https") or not target.host:
            return CheckResult(ok=False, status_code=None, final_url=current, error=REFUSED_SCHEME)
        seen.add(str(target))
        try:
            status, location, method = _ask(client, target, method)
        except LinkUnreachable as exc:
            return CheckResult(ok=False, status_code=None, final_url=current, error=exc.text)
        except httpx.HTTPError as exc:
            return CheckResult(ok=False, status_code=None, final_url=current, error=_describe(exc))
        except httpx.InvalidURL:
            return CheckResult(
                ok=False, status_code=None, final_url=current, error="invalid address"
            )
        if 200 <= status < 300:
            return CheckResult(ok=True, status_code=status, final_url=str(target), error="")
        if status not in REDIRECT_STATUSES or not location:
            return CheckResult(
                ok=False, status_code=status, final_url=str(target), error=f"HTTP {status}"
            )
        try:
            current = str(target.join(location))
        except httpx.InvalidURL:
            return CheckResult(
                ok=False, status_code=status, final_url=str(target), error="invalid redirect"
            )
        if current in seen:
            return CheckResult(
                ok=False, status_code=status, final_url=current, error="redirect loop"
            )
    return CheckResult(ok=False, status_code=status, final_url=current, error="too many redirects")


def check_many(urls: Sequence[str], *, concurrency: int) -> list[CheckResult]:
    """Checks every URL, at most ``concurrency`` at a time (one client per worker thread);
    returns the results in the order of ``urls``."""
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def check_one(url: str) -> CheckResult:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = client_make()
            with lock:
                clients.append(client)
        try:
            return check_url(url, client=client)
        except Exception:
            # One odd link must not cost the rest of the batch its results.
            logger.exception("link check of %s failed", url)
            return CheckResult(ok=False, status_code=None, final_url=url, error="check failed")

    if not urls:
        return []
    try:
        with ThreadPoolExecutor(
            max_workers=max(1, concurrency), thread_name_prefix="linkcheck"
        ) as pool:
            return list(pool.map(check_one, urls))
    finally:
        for client in clients:
            client.close()
