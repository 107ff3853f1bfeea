"""Settings of the email (SMTP) channel."""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class EmailChannelSettings(ConfigModel):
    """SMTP relay to submit mail to."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    from_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout_s: float = Field(default=15.0, gt=0, le=300)

    def password(self) -> str | None:
        """The SMTP password, if a username is set (raises ``ConfigError`` if unset)."""
        return secret_from_env(self.password_env) if self.password_env else None
