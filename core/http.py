"""Who sent a request: the client's address, as far as our own proxies vouch for it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def trusted_proxy_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """The networks of ``TRUSTED_PROXIES`` (``10.0.0.0/8``, ``192.0.2.7``, ``2001:db8::/32``);
    a ``ValueError`` names a malformed entry."""
    return _networks(tuple(str(entry) for entry in entries))


def parse_address(text: str) -> Address | None:
    """An address written by a server or a proxy: ``192.0.2.7``, ``192.0.2.7:443``,
    ``2001:db8::1``, ``[2001:db8::1]:443``; an IPv4 address mapped into IPv6 is the IPv4
    address. Anything else (``unknown``, a name, garbage) is ``None``."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_ip(request) -> str | None:
    """The client's address for throttles and records, never one the client could write.

    ``REMOTE_ADDR`` is the peer of this server. Only when that peer is one of our trusted
    proxies (``TRUSTED_PROXIES``) is ``X-Forwarded-For`` read, from the right: each proxy
    appends the address it saw, so entries are skipped while they are trusted proxies too
    and the first one that is not is the client. Entries further left were written by the
    client and are never used. A malformed entry stops the walk at the nearest proxy, which
    then stands for the client (its limits are shared, never dodged).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = tuple(str(entry) for entry in getattr(settings, "TRUSTED_PROXIES", ()))
    if len(forwarded) > _CACHED_FORWARDED_LENGTH:
        return _client_ip(remote, forwarded, proxies)
    # The same few peers and proxy chains send most requests: parsing them is the costly
    # part, and the answer depends on nothing else.
    return _client_ip_cached(remote, forwarded, proxies)


_CACHED_FORWARDED_LENGTH = 200


def _client_ip(remote_text: str, forwarded: str, proxies: tuple[str, ...]) -> str | None:
    remote = parse_address(remote_text)
    if remote is None:
        return None
    networks = trusted_proxy_networks(proxies)

    def trusted(address: Address) -> bool:
        return any(address in network for network in networks)

    if not trusted(remote):
        return str(remote)
    nearest = remote
    for entry in reversed(forwarded.split(",") if forwarded else []):
        address = parse_address(entry)
        if address is None:
            break
        if not trusted(address):
            return str(address)
        nearest = address
    return str(nearest)


_client_ip_cached = lru_cache(maxsize=4096)(_client_ip)
