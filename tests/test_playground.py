"""neuronet.playground: the addresses it serves on, and the Host names it answers to."""

import ipaddress

import pytest

from neuronet.playground import address_of, is_loopback, own_names, shown_host


@pytest.mark.parametrize("host, address", [
    ("127.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("127.0.0.2", "127.0.0.2"),
    ("0x7f.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("::1", "::1"), ("[::1]", "::1"),
    ("::ffff:127.0.0.1", "127.0.0.1"), ("192.168.1.4", "192.168.1.4"),
    ("localhost", None), ("example.org", None), ("127.0.0.1 evil", None), ("", None),
])
def test_addresses_in_every_form_the_c_library_reads(host, address):
    got = address_of(host)
    assert got == (None if address is None else ipaddress.ip_address(address))


@pytest.mark.parametrize("host, local", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("127.1", True), ("localhost", True),
    ("LOCALHOST", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.4", False), ("example.org", False),
    ("127.0.0.1.example.org", False),
])
def test_loopback_in_every_spelling(host, local):
    assert is_loopback(host) is local


def test_the_printed_address_is_one_the_host_check_lets_in():
    assert shown_host("127.1") == "127.0.0.1" and shown_host("::1") == "[::1]"
    assert shown_host("0.0.0.0") == "127.0.0.1" and shown_host("localhost") == "localhost"
    for host in ("127.0.0.2", "127.1", "::1", "localhost", "0x7f.0.0.3"):
        names = own_names(host)
        assert shown_host(host).lower() in names and host.lower() in names
        assert "evil.example" not in names
    assert "[::1]" in own_names("::1") and "127.0.0.2" in own_names("127.0.0.2")
