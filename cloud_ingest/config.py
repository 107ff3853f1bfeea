"""Settings of the cloud ingest, validated once at start.

Example:
    >>> s = IngestSettings(database_url="sqlite:///var/ingest.db")
    >>> s.shared_group, s.broker.port, s.migrate_on_start
    ('ingest', 1883, True)
    >>> IngestSettings(database_url="not a url")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for IngestSettings
    ...
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cloud_ingest.api.settings import ApiSettings
from contracts.config import ConfigModel, MqttEndpoint, load_yaml_model

_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


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

    @model_validator(mode="after")
    def _backoff_order(self) -> IngestSettings:
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError("reconnect_max_s must be at least reconnect_initial_s")
        return self


def load_ingest_settings(path: Path) -> IngestSettings:
    """Load and validate the ingest's YAML config (raises ``contracts.config.ConfigError``)."""
    return load_yaml_model(path, IngestSettings)
