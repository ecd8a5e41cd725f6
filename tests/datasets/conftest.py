"""Fixtures shared by the OpenML loader tests."""
from __future__ import annotations

import socket

import pytest


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse all network access (recording attempts); restore openml's config afterwards."""
    import openml

    attempts: list[str] = []

    def no_dns(host, *args, **kwargs):
        attempts.append(f"dns {host}")
        raise socket.gaierror(socket.EAI_NONAME, "network disabled in tests")

    def no_connect(self, address):
        attempts.append(f"connect {address}")
        raise ConnectionRefusedError("network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    old_cache = openml.config.get_config_as_dict()["cachedir"]
    yield attempts
    openml.config.set_root_cache_directory(old_cache)
