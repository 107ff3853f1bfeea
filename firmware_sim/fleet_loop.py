"""Many paho clients driven by one thread (the fleet's network loop).

paho's own ``loop_start`` gives every client a thread that waits in ``select()``: hundreds of
homes then cost more CPU in thread switches than in MQTT, and ``select()`` cannot watch a
descriptor above 1023. Here one thread waits on every client's socket with :mod:`selectors`
(epoll on Linux), reads what arrives, writes what is queued, keeps the connections alive
(``loop_misc``), reconnects what dropped (once a second), and runs the fleet's own work —
publishes made on this thread are written at once. Other threads hand work over with
:meth:`SharedMqttLoop.call`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import selectors
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from paho.mqtt.client import Client

if TYPE_CHECKING:
    from paho.mqtt.client import SocketLike

__all__ = ["SharedMqttLoop"]

log = logging.getLogger(__name__)

MAX_WAIT_S = 0.01
"""Longest wait in the selector, so work handed over by other threads starts promptly."""


class SharedMqttLoop:
    """One thread for every client of a fleet connected to ``host:port``.

    ``work`` (set before :meth:`start`) runs on the loop's thread on every turn and returns
    the seconds until it needs to run again.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.work: Callable[[], float] | None = None
        self._selector = selectors.DefaultSelector()
        self._clients: list[Client] = []
        self._writing: set[Client] = set()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fleet-mqtt", daemon=True)

    def add(self, client: Client) -> None:
        """Take ``client`` over and connect it (before :meth:`start`; a refused connection is
        retried by the loop once a second)."""
        client.on_socket_open = self._opened
        client.on_socket_close = self._closed
        self._clients.append(client)
        with contextlib.suppress(OSError):
            client.connect(self.host, self.port)

    def _opened(self, client: Client, _userdata: object, sock: SocketLike) -> None:
        self._selector.register(sock, selectors.EVENT_READ, client)

    def _closed(self, _client: Client, _userdata: object, sock: SocketLike) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)

    def flush_later(self, client: Client) -> None:
        """Note that ``client`` has bytes the socket did not take yet (loop thread only)."""
        if client.want_write():
            self._writing.add(client)

    def call(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the loop's thread (from any thread)."""
        self._calls.put(action)

    def start(self) -> None:
        """Start the loop's thread."""
        self._thread.start()

    def _run(self) -> None:
        next_misc = time.monotonic() + 1.0
        wait_s = 0.0
        while not self._stop.is_set():
            for key, _events in self._selector.select(min(wait_s, MAX_WAIT_S)):
                client: Client = key.data
                client.loop_read()
                self.flush_later(client)
            while not self._calls.empty():
                self._calls.get_nowait()()
            wait_s = self.work() if self.work is not None else MAX_WAIT_S
            for client in list(self._writing):
                client.loop_write()
                if not client.want_write():
                    self._writing.discard(client)
            now = time.monotonic()
            if now >= next_misc:
                next_misc = now + 1.0
                self._housekeeping()

    def _housekeeping(self) -> None:
        for client in self._clients:
            if client.socket() is None:
                with contextlib.suppress(OSError):
                    client.reconnect()
            else:
                client.loop_misc()
                self.flush_later(client)

    def stop(self) -> None:
        """Stop the thread, then disconnect every client."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        for client in self._clients:
            client.disconnect()
        self._selector.close()
