"""Serving a daemon's Prometheus metrics: the ``metrics:`` config block and ``/metrics``.

Every daemon keeps its collectors in a registry of its own (no global registry) and, when its
config has a ``metrics: {host, port}`` block, serves it on ``http://host:port/metrics`` with
:class:`MetricsServer`. Each daemon's block has its documented default port (ingest 9310, alert
router 9311, REST API 9312, care app 9313); without the block nothing is served.

Example:
    >>> from prometheus_client import CollectorRegistry, Counter
    >>> registry = CollectorRegistry()
    >>> _ = Counter("sg_example_things", "Things", registry=registry)
    >>> server = MetricsServer(registry, "127.0.0.1", 0)
    >>> import urllib.request
    >>> url = f"http://127.0.0.1:{server.port}/metrics"
    >>> b"sg_example_things_total 0.0" in urllib.request.urlopen(url, timeout=5).read()
    True
    >>> server.close()
"""

from __future__ import annotations

import logging
import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from pydantic import Field

from contracts.config import ConfigError, ConfigModel

log = logging.getLogger(__name__)

__all__ = ["MetricsEndpoint", "MetricsPortError", "MetricsServer"]


class MetricsEndpoint(ConfigModel):
    """Where a daemon serves its Prometheus metrics (``/metrics``); port 0 picks a free one.

    Each daemon subclasses it to give ``port`` its documented default.
    """

    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)


class MetricsPortError(ConfigError):
    """The metrics endpoint cannot listen on the configured address."""


class MetricsServer:
    """Serves a registry on ``http://host:port/metrics`` from a daemon thread.

    Raises:
        MetricsPortError: the address is taken or not ours to bind.
    """

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        try:
            server, thread = start_http_server(port, addr=host, registry=registry)
        except OSError as exc:
            raise MetricsPortError(
                f"cannot serve metrics on {host}:{port}: {exc}. Pick a free port in the "
                "config's metrics block (or set metrics: null)."
            ) from exc
        self._server: WSGIServer = server
        self._thread: threading.Thread = thread
        self.port: int = server.server_port
        log.info("metrics at http://%s:%d/metrics", host, self.port)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
