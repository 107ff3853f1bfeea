"""Settings of the cloud ingest, validated once at start.

Example:
    >>> s = IngestSettings(database_url="sqlite:///var/ingest.db")
    >>> s.shared_group, s.broker.port, s.migrate_on_start, s.tsdb, s.metrics
    ('ingest', 1883, True, None, None)
    >>> s.liveness.gateway_offline_after_s
    180.0
    >>> IngestSettings(database_url="not a url")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for IngestSettings
    ...
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AnyHttpUrl, Field, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cloud_ingest.api.settings import ApiSettings
from contracts.config import ConfigModel, MqttEndpoint, load_yaml_model, secret_from_env
from contracts.metrics import MetricsEndpoint as BaseMetricsEndpoint
from contracts.topics import TopicKind

_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class TsdbSettings(ConfigModel):
    """The time-series server (InfluxDB v2 write API; VictoriaMetrics accepts it too).

    ``token_env`` names the environment variable holding the API token (never in the file).
    ``buffer_max_points`` bounds the durable buffer (a database table) that keeps points while
    the server is down; once it is full, telemetry is no longer acked, so gateways keep it.
    """

    url: AnyHttpUrl
    org: str = Field(default="silverguard", min_length=1, max_length=100)
    bucket: str = Field(default="silverguard", min_length=1, max_length=100)
    token_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    timeout_s: float = Field(default=5.0, gt=0, le=120)
    buffer_max_points: int = Field(default=1_000_000, ge=1)
    drain_interval_s: float = Field(default=1.0, gt=0, le=300)
    drain_batch_points: int = Field(default=20_000, ge=1, le=1_000_000)

    def token(self) -> str:
        """The API token from the environment ("" when no variable is named).

        Raises:
            ConfigError: ``token_env`` names a variable that is not set.
        """
        return secret_from_env(self.token_env) if self.token_env else ""


class MetricsEndpoint(BaseMetricsEndpoint):
    """Where ``ingest run`` serves its Prometheus metrics (``/metrics``); port 0 picks one."""

    port: int = Field(default=9310, ge=0, le=65535)


class LivenessSettings(ConfigModel):
    """When gateways and devices count as offline.

    A gateway is offline once it announces it (its last will) or once nothing has arrived
    from it for ``missed_heartbeats`` × ``gateway_heartbeat_s``. A device is offline once it
    has been silent for ``missed_heartbeats`` × its kind's expected cadence.
    """

    enabled: bool = True
    gateway_heartbeat_s: float = Field(default=60.0, gt=0)
    missed_heartbeats: int = Field(default=3, ge=1, le=100)
    device_cadence_s: dict[str, float] = Field(
        default_factory=lambda: {"mattress": 60.0, "wristband": 300.0, "smoke": 4 * 3600.0}
    )
    check_interval_s: float = Field(default=10.0, gt=0, le=3600)

    @property
    def gateway_offline_after_s(self) -> float:
        """Silence after which a gateway counts as offline."""
        return self.gateway_heartbeat_s * self.missed_heartbeats

    @field_validator("device_cadence_s")
    @classmethod
    def _positive_cadences(cls, value: dict[str, float]) -> dict[str, float]:
        bad = sorted(kind for kind, s in value.items() if s <= 0)
        if bad:
            raise ValueError(f"device cadences must be positive seconds (check {', '.join(bad)})")
        return value


class IngestSettings(ConfigModel):
    """Everything ``silverguard ingest run`` needs.

    ``database_url`` is a SQLAlchemy URL: ``sqlite:///var/ingest.db`` (embedded, path relative
    to the working directory) or ``postgresql+psycopg://user@host/db`` (production).
    ``shared_group`` makes N workers share the load through an MQTT v5 shared subscription
    (``$share/<group>/...``); set it to null for brokers without shared subscriptions (the
    embedded amqtt demo broker). ``client_id`` null gives each process a unique random id, so
    scaled-out workers never disconnect each other. ``api`` configures the REST API
    (``silverguard ingest api``).
    """

    database_url: str = "sqlite:///var/ingest.db"
    broker: MqttEndpoint = MqttEndpoint()
    shared_group: str | None = "ingest"
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    migrate_on_start: bool = True
    reconnect_initial_s: float = Field(default=0.5, gt=0, le=60)
    reconnect_max_s: float = Field(default=30.0, gt=0, le=600)
    api: ApiSettings = Field(default_factory=ApiSettings)
    batch_max: int = Field(default=500, ge=1, le=10_000)
    batch_linger_s: float = Field(
        default=0.01,
        ge=0,
        le=1.0,
        description="how long a batch that is not full waits for more messages before it is "
        "stored: a batch's fixed cost (transaction, time-series write) then spreads over more "
        "messages, at the price of this much ack latency (0: store what has arrived at once)",
    )
    kinds: tuple[TopicKind, ...] = Field(
        default=(TopicKind.EVENT, TopicKind.READING, TopicKind.STATUS),
        min_length=1,
        description="gateway message kinds this worker takes; an alarm lane is a worker with "
        "[event] beside workers with [reading, status], so alarms never queue behind telemetry",
    )
    tsdb: TsdbSettings | None = None
    metrics: MetricsEndpoint | None = None
    liveness: LivenessSettings = Field(default_factory=LivenessSettings)

    @field_validator("database_url")
    @classmethod
    def _is_sqlalchemy_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a SQLAlchemy database URL: use e.g. sqlite:///var/ingest.db or "
                "postgresql+psycopg://user@host/dbname"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(
                f"database {url.get_backend_name()!r} is not supported: use sqlite or postgresql"
            )
        return value

    @field_validator("shared_group")
    @classmethod
    def _topic_safe_group(cls, value: str | None) -> str | None:
        if value is not None and not _GROUP.fullmatch(value):
            raise ValueError(
                "shared_group must be letters, digits, '_' or '-' (no '/', '+', '#'), "
                "or null for a plain subscription"
            )
        return value

    @field_validator("kinds")
    @classmethod
    def _gateway_kinds(cls, value: tuple[TopicKind, ...]) -> tuple[TopicKind, ...]:
        if TopicKind.ACK in value:
            raise ValueError(
                "kinds: 'ack' is what the ingest publishes; take event, reading, status"
            )
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> IngestSettings:
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError("reconnect_max_s must be at least reconnect_initial_s")
        return self


def load_ingest_settings(path: Path) -> IngestSettings:
    """Load and validate the ingest's YAML config (raises ``contracts.config.ConfigError``)."""
    return load_yaml_model(path, IngestSettings)
