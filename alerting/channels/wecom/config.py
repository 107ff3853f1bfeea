"""Settings of the WeCom group robot channel.

Example:
    >>> WeComChannelSettings(robots={"team-a": "SG_WECOM_TEAM_A_KEY"}).base_url
    'https://qyapi.weixin.qq.com/cgi-bin/webhook/send'
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class WeComChannelSettings(ConfigModel):
    """Robots by name → the environment variable holding the robot's webhook ``key``."""

    base_url: str = Field(
        default="https://qyapi.weixin.qq.com/cgi-bin/webhook/send", pattern=r"^https?://"
    )
    robots: dict[str, str] = Field(min_length=1, description="robot name -> env var with key")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    def key(self, robot: str) -> str:
        """The robot's webhook key (raises ``ConfigError`` saying which variable to set)."""
        return secret_from_env(self.robots[robot])
