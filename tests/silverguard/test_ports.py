"""Waiting for a started server's port: it answers, or the error says why not."""

from __future__ import annotations

import subprocess
import sys

import pytest

from silverguard.ports import free_port, wait_for_port


def test_a_listening_server_is_waited_for() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30, "http.server", server)
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(10)


def test_a_server_that_exits_is_named_with_its_code() -> None:
    quitter = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match="the quitter exited with code 3 on start"):
        wait_for_port(free_port(), 30, "the quitter", quitter)


def test_a_server_that_never_listens_times_out() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        port = free_port()
        with pytest.raises(RuntimeError, match=f"did not listen on 127.0.0.1:{port} within"):
            wait_for_port(port, 0.3, "the sleeper", sleeper)
    finally:
        sleeper.kill()
        sleeper.wait(10)
