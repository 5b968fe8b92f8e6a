"""One spelling per address: what makes two links the same resource.

The scheme and host are lower-cased, an international host name is stored in its ASCII
(IDNA) form, a default port and the fragment are dropped, an empty path becomes "/", unsafe
characters in the path and query are percent-encoded, and campaign-tracking parameters
(``utm_*``, ``fbclid``, ``gclid``) are removed. Anything but an absolute http(s) address of a
public host is refused with a sentence a member can act on.
"""

import ipaddress
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MAX_LENGTH = 2000
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING = ("utm_", "fbclid", "gclid", "mc_eid", "mc_cid")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class LinkError(ValueError):
    """Why an address cannot be a resource's link: ``invalid`` when it is not written as a web
    address at all (the schema refuses it too), ``unusable_link`` when it is one that cannot
    be used (a private host, a user name in it, a host name that is not valid)."""

    def __init__(self, message: str, *, code: str = "unusable_link") -> None:
        super().__init__(message)
        self.code = code


def _host(raw_host: str) -> str:
    host = raw_host.rstrip(".").lower()
    if not host:
        raise LinkError("Give the full address, starting with https://.")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        if not address.is_global:
            raise LinkError("Link to a public web address.")
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise LinkError("This address has a host name that is not valid.") from exc
    if "." not in ascii_host or ascii_host.endswith((".local", ".internal", ".localhost")):
        raise LinkError("Link to a public web address.")
    return ascii_host


def url_normalise(raw: str) -> str:
    """The stored form of ``raw``; raises ``LinkError`` when it cannot be a resource's link."""
    text = (raw or "").strip()
    if not text:
        raise LinkError("Give the resource's web address.", code="invalid")
    if len(text) > MAX_LENGTH:
        raise LinkError(f"Keep the address to {MAX_LENGTH} characters or fewer.", code="invalid")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise LinkError(
            "A web address cannot contain spaces or control characters.", code="invalid"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise LinkError("This is not a valid web address.") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise LinkError(
            "Only web addresses starting with http:// or https:// can be added.", code="invalid"
        )
    if not parts.netloc or parts.hostname is None:
        raise LinkError("Give the full address, starting with https://.")
    if parts.username is not None or parts.password is not None:
        raise LinkError("Leave out any user name or password from the address.")
    netloc = _host(parts.hostname)
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query_items = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(TRACKING)
    ]
    query = urlencode(
        query_items, quote_via=quote, safe=_PATH_SAFE.replace("&", "").replace("=", "")
    )
    normalised = urlunsplit((scheme, netloc, path, query, ""))
    if len(normalised) > MAX_LENGTH:
        # It grew when normalised (percent-encoding, IDNA): well formed, but too long to keep.
        raise LinkError(f"Keep the address to {MAX_LENGTH} characters or fewer.")
    return normalised
