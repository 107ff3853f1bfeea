"""Listening sockets for the HTTP servers (the alert router's API, the cloud API, local sinks).

Each server binds its socket itself (uvicorn would ``sys.exit`` the whole program on a busy
port). The socket is created with protocol ``IPPROTO_TCP`` on purpose: asyncio turns on
``TCP_NODELAY`` only for sockets that say they are TCP, and without it every response on a
kept-alive connection waited ~40 ms for the client's delayed ACK (measured: 44 ms → 0.9 ms per
webhook on loopback).

Example:
    >>> sock = bind_tcp_listener("127.0.0.1", 0)
    >>> sock.proto == socket.IPPROTO_TCP, sock.getsockname()[0]
    (True, '127.0.0.1')
    >>> sock.close()
"""

from __future__ import annotations

import socket

__all__ = ["bind_tcp_listener"]


def bind_tcp_listener(host: str, port: int, *, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0 picks a free one).

    Raises:
        OSError: the address is in use or not ours to bind (the socket is closed).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock
