"""Request metrics of the HTTP daemons (REST API, care app, alert router API): one middleware.

:class:`HttpMetricsMiddleware` is a plain ASGI middleware: it counts every HTTP request and
times it by **route template** (``/api/v1/residents/{resident_id}``, never the raw path, so a
scan of random URLs cannot grow the label set), method and status. Requests no route matched
are labelled :data:`UNMATCHED_ROUTE`. The collectors live in the daemon's own registry
(:class:`HttpMetrics`); dashboards import the names from here.

Example:
    >>> import asyncio, httpx
    >>> from prometheus_client import generate_latest
    >>> from starlette.applications import Starlette
    >>> from starlette.responses import PlainTextResponse
    >>> from starlette.routing import Route
    >>> async def hello(request): return PlainTextResponse("hi")
    >>> metrics = HttpMetrics()
    >>> app = Starlette(routes=[Route("/hello/{name}", hello)])
    >>> app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    >>> async def two_requests():
    ...     transport = httpx.ASGITransport(app=app)
    ...     async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
    ...         return (await client.get("/hello/ada")).status_code, (
    ...             await client.get("/nowhere")).status_code
    >>> asyncio.run(two_requests())
    (200, 404)
    >>> text = generate_latest(metrics.registry).decode()
    >>> 'route="/hello/{name}",status="200"} 1.0' in text, 'route="unmatched",status="404"' in text
    (True, True)
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "HTTP_REQUESTS",
    "HTTP_REQUEST_DURATION",
    "HTTP_STREAMS",
    "UNMATCHED_ROUTE",
    "HttpMetrics",
    "HttpMetricsMiddleware",
    "matching_route",
    "stream_tracker",
    "template_of",
]

HTTP_REQUESTS = "sg_http_requests"
"""Counter{route, method, status}: requests answered (``_total`` when scraped)."""
HTTP_REQUEST_DURATION = "sg_http_request_duration_seconds"
"""Histogram{route, method, status}: from the request's arrival to the end of its response."""
HTTP_STREAMS = "sg_http_open_streams"
"""Gauge{route}: server-sent-event streams open now (the care app's live queue)."""
UNMATCHED_ROUTE = "unmatched"
"""The ``route`` label of requests no route matched (404s of made-up paths)."""

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass
class HttpMetrics:
    """The request collectors of one daemon, in its registry (a new one unless given)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r, labels = self.registry, ["route", "method", "status"]
        self.requests = Counter(HTTP_REQUESTS, "HTTP requests answered", labels, registry=r)
        self.duration = Histogram(
            HTTP_REQUEST_DURATION, "HTTP request duration", labels, buckets=_BUCKETS, registry=r
        )
        self.streams = Gauge(HTTP_STREAMS, "Open event streams", ["route"], registry=r)


class HttpMetricsMiddleware:
    """Counts and times every HTTP request of the wrapped app (other ASGI scopes pass through).

    A streamed response is timed to its last byte; a request whose handler raised counts
    as status 500 (what the server answers).
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        arrived = dict(scope)  # routing rewrites the scope (e.g. a mount's root_path)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, send_and_note)
        finally:
            route = scope.get("route") or matching_route(arrived)
            labels = {"route": template_of(route), "method": scope["method"]}
            labels["status"] = str(status)
            self._metrics.requests.labels(**labels).inc()
            self._metrics.duration.labels(**labels).observe(time.perf_counter() - started)


def matching_route(scope: Scope) -> Any:
    """The application's route that takes this request as it arrived (``None`` if none does).

    Asked only when routing left no ``scope["route"]`` (mounts, 404s): a full match first,
    else a partial one (the path matches, the method does not: 405).
    """
    partial = None
    for route in getattr(scope.get("app"), "routes", ()):
        match = route.matches(scope)[0]
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def template_of(route: Any) -> str:
    """A route's path template, or :data:`UNMATCHED_ROUTE` for no route."""
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


def stream_tracker(
    metrics: HttpMetrics | None, route: str
) -> contextlib.AbstractContextManager[object]:
    """Counts one open event stream of ``route`` while the ``with`` block runs.

    Without metrics it does nothing.

    >>> m = HttpMetrics()
    >>> with stream_tracker(m, "/queue/stream"):
    ...     m.registry.get_sample_value(HTTP_STREAMS, {"route": "/queue/stream"})
    1.0
    >>> m.registry.get_sample_value(HTTP_STREAMS, {"route": "/queue/stream"})
    0.0
    """
    if metrics is None:
        return contextlib.nullcontext()
    return metrics.streams.labels(route=route).track_inprogress()
