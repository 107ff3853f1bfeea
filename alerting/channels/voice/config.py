"""Settings of the voice channel (a Twilio-compatible Programmable Voice account).

Example:
    >>> s = VoiceChannelSettings(account_sid_env="SG_VOICE_SID", auth_token_env="SG_VOICE_TOKEN",
    ...                          from_number="+8657100000000")
    >>> s.api_base, s.language, s.gather_timeout_s
    ('https://api.twilio.com', 'zh-CN', 10)
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class VoiceChannelSettings(ConfigModel):
    """Account credentials (named by environment variables), caller id and call behaviour."""

    api_base: str = Field(default="https://api.twilio.com", pattern=r"^https?://")
    account_sid_env: str = Field(min_length=1)
    auth_token_env: str = Field(min_length=1)
    from_number: str = Field(pattern=r"^\+\d{6,16}$")
    language: str = Field(default="zh-CN", min_length=2, max_length=10)
    gather_timeout_s: int = Field(default=10, ge=3, le=60, description="wait for the key press")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    def credentials(self) -> tuple[str, str]:
        """(Account SID, auth token); raises ``ConfigError`` naming a missing variable."""
        return secret_from_env(self.account_sid_env), secret_from_env(self.auth_token_env)
