"""Settings of the signed-webhook channel."""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class WebhookChannelSettings(ConfigModel):
    """Shared secret (named by an environment variable) and request timeout."""

    secret_env: str = Field(min_length=1, description="environment variable with the secret")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    def secret(self) -> bytes:
        """The signing secret (raises ``ConfigError`` saying which variable to set)."""
        return secret_from_env(self.secret_env).encode()
