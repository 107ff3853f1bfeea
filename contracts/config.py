"""Configuration shapes every component shares, and the one YAML loader.

Config files are YAML parsed into frozen pydantic models with ``extra="forbid"``; after
loading, the code trusts them. Secrets are never in the file: it names an environment variable.

Example:
    >>> ep = MqttEndpoint(host="127.0.0.1", port=1883)
    >>> ep.protocol.value, ep.password_env is None
    ('5', True)
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.errors import ContractError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ContractError):
    """A configuration file or a secret it names is missing or invalid."""


class ConfigModel(BaseModel):
    """Base of every config model: frozen, unknown keys are an error (catches typos)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class MqttProtocol(StrEnum):
    """MQTT protocol version."""

    V311 = "3.1.1"
    V5 = "5"


class MqttEndpoint(ConfigModel):
    """How to reach an MQTT broker."""

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    protocol: MqttProtocol = MqttProtocol.V5
    username: str | None = None
    password_env: str | None = Field(
        default=None, description="environment variable holding the password"
    )
    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = Field(
        default=None, description="client certificate (PEM): a per-gateway credential; needs tls"
    )
    key_file: Path | None = Field(default=None, description="the client certificate's key (PEM)")
    keepalive_s: int = Field(default=30, ge=5, le=3600)

    @model_validator(mode="after")
    def _client_cert_needs_tls_and_key(self) -> Self:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together: set both or neither")
        if self.cert_file is not None and not self.tls:
            raise ValueError("a client certificate needs tls: true")
        return self

    def password(self) -> str | None:
        """The password from the environment (raises :class:`ConfigError` if it is unset)."""
        return secret_from_env(self.password_env) if self.password_env else None


def secret_from_env(name: str) -> str:
    """Read a secret from the environment, saying which variable to set if it is missing."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set: set it to the secret")
    return value


def load_yaml_model(path: Path, model: type[ModelT]) -> ModelT:
    """Load a YAML file into ``model``, with an error that names the file and each bad key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must contain a mapping of settings at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise ConfigError(f"{path} is not a valid {model.__name__}: {problems}") from exc
