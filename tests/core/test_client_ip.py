"""The client's address comes from our own proxies, never from a header a client can forge."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.http import client_ip, parse_address

pytestmark = pytest.mark.django_db

LOAD_BALANCERS = ["10.0.0.0/24", "2001:db8:1::/48"]
EDGE_PROXY = "198.51.100.9"


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@pytest.fixture
def behind_proxies(settings):
    settings.TRUSTED_PROXIES = [*LOAD_BALANCERS, EDGE_PROXY]


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXIES = []
    settings.PRODUCTION = True
    assert _ip("203.0.113.5", "1.2.3.4") == "203.0.113.5"
    assert _ip("10.0.0.7", "1.2.3.4, 10.0.0.8") == "10.0.0.7"


def test_a_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(settings, behind_proxies):
    settings.PRODUCTION = True
    assert _ip("203.0.113.5", "1.2.3.4") == "203.0.113.5"
    assert _ip("203.0.113.5", "1.2.3.4, 10.0.0.8") == "203.0.113.5"


def test_one_trusted_proxy_gives_the_address_it_saw(behind_proxies):
    assert _ip("10.0.0.7", "203.0.113.5") == "203.0.113.5"


def test_what_the_client_wrote_left_of_our_proxies_is_never_used(behind_proxies):
    # The client sent "X-Forwarded-For: 1.2.3.4, 10.0.0.9"; the load balancer appended its peer.
    assert _ip("10.0.0.7", "1.2.3.4, 10.0.0.9, 203.0.113.5") == "203.0.113.5"


def test_a_chain_through_two_trusted_proxies_is_resolved(behind_proxies):
    # client → edge proxy → load balancer → here
    assert _ip("10.0.0.7", f"203.0.113.5, {EDGE_PROXY}") == "203.0.113.5"
    assert _ip("2001:db8:1::10", f"2001:db8:2::77, {EDGE_PROXY}") == "2001:db8:2::77"


def test_a_request_from_inside_gives_the_farthest_proxy(behind_proxies):
    assert _ip("10.0.0.7", f"10.0.0.3, {EDGE_PROXY}") == "10.0.0.3"
    assert _ip("10.0.0.7") == "10.0.0.7"
    assert _ip("10.0.0.7", "") == "10.0.0.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("unknown", "10.0.0.7"),
        ("203.0.113.5, unknown", "10.0.0.7"),
        (f"203.0.113.5, not-an-ip, {EDGE_PROXY}", EDGE_PROXY),
        ("999.1.1.1", "10.0.0.7"),
        (" , ", "10.0.0.7"),
        ("203.0.113.5:51234", "203.0.113.5"),
        ("[2001:db8:2::77]:443", "2001:db8:2::77"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("  203.0.113.5  ", "203.0.113.5"),
    ],
)
def test_malformed_entries_stop_at_the_nearest_proxy(behind_proxies, forwarded, expected):
    assert _ip("10.0.0.7", forwarded) == expected


def test_a_missing_or_malformed_peer_address_is_none(behind_proxies):
    assert _ip("", "203.0.113.5") is None
    assert _ip("garbage", "203.0.113.5") is None


def test_addresses_are_parsed_as_servers_and_proxies_write_them():
    assert str(parse_address("192.0.2.7")) == "192.0.2.7"
    assert str(parse_address("192.0.2.7:443")) == "192.0.2.7"
    assert str(parse_address("[2001:db8::1]:443")) == "2001:db8::1"
    assert str(parse_address("2001:db8::1")) == "2001:db8::1"
    assert parse_address("example.com") is None
    assert parse_address("") is None


def test_the_otp_throttle_cannot_be_dodged_with_a_forged_header(client, settings):
    """An attacker on one address who writes a new X-Forwarded-For on every request."""
    settings.PRODUCTION = True
    settings.TRUSTED_PROXIES = LOAD_BALANCERS
    settings.OTP_MAX_PER_IP_PER_HOUR = 2

    def ask(mobile: str, forged: str):
        return client.post(
            "/api/auth/otp/request/",
            {"mobile": mobile},
            content_type="application/json",
            HTTP_HOST="localhost",
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=forged,
        )

    assert ask("09350000001", "1.1.1.1").status_code == 202
    assert ask("09350000002", "2.2.2.2").status_code == 202
    assert ask("09350000003", "3.3.3.3").status_code == 429
    # Through the load balancer, the address it saw is what counts.
    via_balancer = client.post(
        "/api/auth/otp/request/",
        {"mobile": "09350000004"},
        content_type="application/json",
        HTTP_HOST="localhost",
        REMOTE_ADDR="10.0.0.7",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert via_balancer.status_code == 429


def test_a_cached_answer_follows_the_trusted_proxies_setting(settings):
    # The same peer and header, asked again after the proxies changed: never yesterday's answer.
    settings.TRUSTED_PROXIES = []
    assert _ip("10.0.0.7", "203.0.113.5") == "10.0.0.7"
    settings.TRUSTED_PROXIES = LOAD_BALANCERS
    assert _ip("10.0.0.7", "203.0.113.5") == "203.0.113.5"
    settings.TRUSTED_PROXIES = []
    assert _ip("10.0.0.7", "203.0.113.5") == "10.0.0.7"


def test_a_long_header_is_read_whole_and_not_kept(behind_proxies):
    from core.http import _client_ip_cached

    chain = ", ".join(["10.0.0.3"] * 40 + ["203.0.113.5"])  # longer than the cached length
    before = _client_ip_cached.cache_info().currsize
    assert _ip("10.0.0.7", chain) == "203.0.113.5"
    assert _ip("10.0.0.7", "198.51.100.1, " + chain) == "203.0.113.5"
    assert _client_ip_cached.cache_info().currsize == before
