"""Serve the REST API with uvicorn (``silverguard ingest api``)."""

from __future__ import annotations

import logging
import socket

import uvicorn

from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.config import IngestSettings
from cloud_ingest.errors import IngestError
from cloud_ingest.store import migrate
from contracts.http_metrics import HttpMetrics
from contracts.metrics import MetricsPortError, MetricsServer
from contracts.net import bind_tcp_listener

log = logging.getLogger(__name__)


def listen(host: str, port: int) -> socket.socket:
    """Bind the API's socket ourselves: uvicorn would ``sys.exit`` on a busy port.

    Raises:
        IngestError: the address is in use or not ours to bind.
    """
    try:
        sock = bind_tcp_listener(host, port)
    except OSError as exc:
        raise IngestError(
            f"the ingest API cannot listen on {host}:{port} ({exc.strerror}): "
            "choose another api.port or stop the program using it"
        ) from exc
    return sock


def serve_api(settings: IngestSettings) -> None:
    """Migrate if configured, then serve until SIGINT/SIGTERM.

    Raises:
        ConfigError: the signing secret's environment variable is unset or too short.
        IngestError: the database or the socket is not usable.
    """
    secret = settings.api.jwt_secret()
    if settings.migrate_on_start:
        migrate(settings.database_url)
    sock = listen(settings.api.host, settings.api.port)
    metrics, served = HttpMetrics(), None
    tsdb_url = str(settings.tsdb.url) if settings.tsdb is not None else None
    context = ApiContext(settings.database_url, settings.api, secret, tsdb_url=tsdb_url)
    try:
        if settings.api.metrics is not None:
            endpoint = settings.api.metrics
            served = MetricsServer(metrics.registry, endpoint.host, endpoint.port)
        app = create_app(context, http_metrics=metrics)
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
        log.info("ingest API listening on %s:%s", settings.api.host, settings.api.port)
        server.run(sockets=[sock])
    except MetricsPortError as exc:
        raise IngestError(str(exc)) from exc
    finally:
        if served is not None:
            served.close()
        sock.close()
        context.close()
