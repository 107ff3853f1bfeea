"""Settings of the DingTalk robot channel: named robots, each a group chat's webhook.

Example:
    >>> s = DingTalkChannelSettings(robots={"team-a": DingTalkRobot(
    ...     access_token_env="SG_DT_TEAM_A_TOKEN", secret_env="SG_DT_TEAM_A_SECRET")})
    >>> s.base_url
    'https://oapi.dingtalk.com/robot/send'
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class DingTalkRobot(ConfigModel):
    """One group's custom robot: its access token and its 加签 secret (``SEC…``), both named
    by environment variables so no secret sits in the config file."""

    access_token_env: str = Field(min_length=1)
    secret_env: str = Field(min_length=1)

    def access_token(self) -> str:
        """The robot's access token (raises ``ConfigError`` saying which variable to set)."""
        return secret_from_env(self.access_token_env)

    def secret(self) -> str:
        """The robot's signing secret (raises ``ConfigError`` saying which variable to set)."""
        return secret_from_env(self.secret_env)


class DingTalkChannelSettings(ConfigModel):
    """Robots by name (contacts name the robot) and where DingTalk's API is."""

    base_url: str = Field(default="https://oapi.dingtalk.com/robot/send", pattern=r"^https?://")
    robots: dict[str, DingTalkRobot] = Field(min_length=1)
    timeout_s: float = Field(default=10.0, gt=0, le=120)
