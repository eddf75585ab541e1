"""Keys for rate limits: who is asking, reduced to what one person can hardly change.

An IPv4 address is its own key; an IPv6 address is keyed by its /64 network (one household or
phone usually holds a whole /64, so counting single IPv6 addresses would let one client try
without limit). Keys are stored only as SHA-256 digests (:func:`limit_key`)."""
from __future__ import annotations

import ipaddress

from ..store.tokens import digest

__all__ = ["address_key", "limit_key"]


def address_key(address: str | None) -> str:
    """The rate-limit key of a client address: IPv4 as is (also IPv4-mapped IPv6), IPv6 by /64;
    anything else (a name, an empty value) unchanged."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def limit_key(kind: str, value: str | None) -> str:
    """SHA-256 of ``kind:value``: the stored key of one limit."""
    return digest(f"{kind}:{value or ''}")
