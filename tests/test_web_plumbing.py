"""The web plumbing both front doors share (``termlock.web``), tested without either front door."""

from __future__ import annotations

import socket

import pytest

from termlock.errors import TermlockError
from termlock.web import launcher
from termlock.web.keys import KeyRing, presented_key, tokens_match
from termlock.web.security import allowed_hosts


def test_missing_server_libraries_are_one_line_naming_them_and_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    with pytest.raises(TermlockError) as raised:
        launcher.require_server_libraries("review")
    assert raised.value.message == (
        "termlock review needs the 'server' extra (the web front doors, termlock serve and termlock review), "
        "and uvicorn is not installed here"
    )
    assert raised.value.fix == "in the termlock clone: pip install -e '.[server]' (pip install 'termlock[server]' where published)"


def test_a_url_names_the_bound_port_and_never_a_wildcard_address():
    with launcher.bind("127.0.0.1", (0,)) as sock:
        port = launcher.bound_port(sock)
        assert port > 0
        assert launcher.url_of(sock, "0.0.0.0", "/x") == f"http://127.0.0.1:{port}/x"
        assert launcher.url_of(sock, "127.0.0.1") == f"http://127.0.0.1:{port}/"


def test_a_busy_port_is_one_line_with_the_fix_and_a_range_moves_on():
    with launcher.bind("127.0.0.1", (0,)) as held:
        busy = launcher.bound_port(held)
        with pytest.raises(TermlockError) as raised:
            launcher.bind("127.0.0.1", (busy,))
        assert raised.value.message == f"cannot listen on 127.0.0.1:{busy}: address already in use"
        assert "--port" in raised.value.fix
        free = socket.socket()
        free.bind(("127.0.0.1", 0))
        other = free.getsockname()[1]
        free.close()
        with launcher.bind("127.0.0.1", (busy, other)) as sock:
            assert launcher.bound_port(sock) == other


def test_only_a_loopback_address_restricts_the_host_names():
    assert allowed_hosts("127.0.0.1") == ("127.0.0.1", "localhost", "::1", "127.0.0.1")
    assert allowed_hosts("::1") is not None and allowed_hosts("localhost") is not None
    assert allowed_hosts("0.0.0.0") is None and allowed_hosts("192.0.2.7") is None


def test_keys_are_found_wherever_clients_put_them_and_compared_whole():
    assert presented_key({"authorization": "Bearer k1"}) == "k1"
    assert presented_key({"authorization": "DeepL-Auth-Key k2"}) == "k2"
    assert presented_key({}, {"api_key": "k3"}) == "k3"
    assert presented_key({"authorization": "Basic abc"}) is None
    ring = KeyRing([("secret-one", "a"), ("secret-two", "b")])
    assert ring.lookup("secret-two") == "b" and ring.lookup("secret-tw") is None and ring.lookup(None) is None
    assert tokens_match("t", "t") and not tokens_match("t ", "t") and not tokens_match(None, "t")
    assert not tokens_match("\ud800", "t")  # a lone surrogate from a query string is refused, not a crash
