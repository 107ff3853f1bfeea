"""Settings of the SMS channel (Alibaba Cloud SMS: an approved signature and template).

Example:
    >>> s = SmsChannelSettings(access_key_id_env="SG_SMS_KEY_ID",
    ...     access_key_secret_env="SG_SMS_KEY_SECRET", sign_name="银龄卫士",
    ...     template_code="SMS_000000001")
    >>> s.endpoint, s.region_id
    ('https://dysmsapi.aliyuncs.com/', 'cn-hangzhou')
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class SmsChannelSettings(ConfigModel):
    """The RAM AccessKey (named by environment variables), signature and template.

    The template must be approved by Alibaba Cloud with the variables ``type``,
    ``resident``, ``home`` and ``code`` (e.g. "【银龄卫士】住户${resident}（${home}）${type}，
    请立即处理，事件${code}。").
    """

    endpoint: str = Field(default="https://dysmsapi.aliyuncs.com/", pattern=r"^https?://")
    region_id: str = Field(default="cn-hangzhou", min_length=1)
    access_key_id_env: str = Field(min_length=1)
    access_key_secret_env: str = Field(min_length=1)
    sign_name: str = Field(min_length=1, max_length=30)
    template_code: str = Field(pattern=r"^SMS_\d+$")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    def access_key(self) -> tuple[str, str]:
        """(AccessKeyId, AccessKeySecret); raises ``ConfigError`` naming a missing variable."""
        return secret_from_env(self.access_key_id_env), secret_from_env(self.access_key_secret_env)
