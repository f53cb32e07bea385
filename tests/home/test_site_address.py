"""Which addresses only this machine, or its own network, could reach: never the site's public address."""

import pytest

from home.site_address import is_local


@pytest.mark.parametrize(
    "hostname",
    [
        "localhost",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - a name to judge, not an address to bind
        "[::]",
        "[::1]",
        "10.0.0.7",
        "192.168.1.20",
        "172.16.4.2",
        "web-1",
        "app.localhost",
        "printer.local",
        "db.internal",
    ],
)
def test_addresses_nobody_else_can_reach_are_local(hostname):
    assert is_local(hostname)


@pytest.mark.parametrize("hostname", ["collaborative.example.org", "www.nhs.uk", "8.8.8.8", "[2001:4860::8888]"])
def test_public_addresses_are_not(hostname):
    assert not is_local(hostname)
