"""Settings of the alert router, loaded once from YAML and trusted afterwards.

The shape is Alertmanager's: a ``route`` picks a ``receiver``; a receiver names ``people``;
each person has ``contacts`` on channels. Later issues grow the route into a tree and add
escalation and rosters without changing this shape.

Example:
    >>> s = AlertingSettings.model_validate({
    ...     "org_id": "org-demo", "database_url": "sqlite:///var/alerting.db",
    ...     "public_base_url": "http://127.0.0.1:8400", "token_secret_env": "SG_TOKEN_SECRET",
    ...     "people": [{"id": "p-1", "name": "王芳",
    ...                 "contacts": [{"channel": "email", "address": "a@example.org"}]}],
    ...     "receivers": [{"name": "duty", "people": ["p-1"]}],
    ...     "route": {"receiver": "duty"},
    ...     "channels": {"email": {"from_address": "alerts@example.org"}}})
    >>> s.person("p-1").contacts[0].channel.value
    'email'
    >>> AlertingSettings.model_validate({**s.model_dump(), "route": {"receiver": "nobody"}})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for AlertingSettings
    ...route.receiver 'nobody' is not one of the receivers (duty): ...
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from alerting.channels.contacts import (
    DingTalkContact,
    SmsContact,
    VoiceContact,
    WebPushContact,
    WeComContact,
)
from alerting.channels.dingtalk.config import DingTalkChannelSettings
from alerting.channels.email.config import EmailChannelSettings
from alerting.channels.kinds import ChannelKind
from alerting.channels.sms.config import SmsChannelSettings
from alerting.channels.voice.config import VoiceChannelSettings
from alerting.channels.webhook.config import WebhookChannelSettings
from alerting.channels.webpush.config import WebPushChannelSettings
from alerting.channels.wecom.config import WeComChannelSettings
from alerting.directory.yaml_adapter import DirectorySettings
from alerting.escalation.policy import DEFAULT_POLICY, EscalationPolicy, named_target
from alerting.escalation.quiet import QuietHours
from alerting.mute import DEFAULT_INHIBIT_RULES, InhibitRule, SilenceSettings
from alerting.rosters import RosterSettings, check_timezone
from alerting.routing.tree import RouteSettings
from contracts.config import ConfigModel, load_yaml_model
from contracts.events import EventType
from contracts.ids import Identifier
from contracts.metrics import MetricsEndpoint

__all__ = [
    "AlertingSettings",
    "ChannelKind",  # defined in alerting.channels.kinds, re-exported for callers
    "Contact",
    "load_alerting_settings",
]


class WebhookContact(ConfigModel):
    """A person's webhook endpoint (e.g. their phone app's push relay)."""

    channel: Literal[ChannelKind.WEBHOOK]
    url: str = Field(pattern=r"^https?://", max_length=2000)

    @property
    def target(self) -> str:
        """Where a notification on this contact goes."""
        return self.url


class EmailContact(ConfigModel):
    """A person's email address."""

    channel: Literal[ChannelKind.EMAIL]
    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)

    @property
    def target(self) -> str:
        """Where a notification on this contact goes."""
        return self.address


Contact = Annotated[
    WebhookContact
    | EmailContact
    | WebPushContact
    | DingTalkContact
    | WeComContact
    | SmsContact
    | VoiceContact,
    Field(discriminator="channel"),
]


class PersonSettings(ConfigModel):
    """Someone who can be paged. Only ``id`` ever leaves the router; ``name`` is for the UI."""

    id: Identifier
    name: str = Field(min_length=1, max_length=100)
    contacts: list[Contact] = Field(min_length=1)


class ReceiverSettings(ConfigModel):
    """A named group of people paged together."""

    name: str = Field(min_length=1, max_length=100)
    people: list[Identifier] = Field(min_length=1)


class RouterMetricsEndpoint(MetricsEndpoint):
    """Where ``alerting run`` serves its Prometheus metrics (``/metrics``); port 0 picks one."""

    port: int = Field(default=9311, ge=0, le=65535)


class ApiSettings(ConfigModel):
    """Where the HTTP API listens."""

    host: str = "127.0.0.1"
    port: int = Field(default=8400, ge=1, le=65535)


class ChannelsSettings(ConfigModel):
    """Per-channel settings; a channel without settings cannot be used by contacts."""

    webhook: WebhookChannelSettings | None = None
    email: EmailChannelSettings | None = None
    webpush: WebPushChannelSettings | None = None
    dingtalk: DingTalkChannelSettings | None = None
    wecom: WeComChannelSettings | None = None
    sms: SmsChannelSettings | None = None
    voice: VoiceChannelSettings | None = None

    def http_timeouts(self) -> list[tuple[str, float]]:
        """(where, timeout_s) of every configured HTTP channel (for the lease check)."""
        http = {
            "webhook": self.webhook,
            "webpush": self.webpush,
            "dingtalk": self.dingtalk,
            "wecom": self.wecom,
            "sms": self.sms,
            "voice": self.voice,
        }
        return [(f"channels.{k}", v.timeout_s) for k, v in http.items() if v is not None]


class BackoffSettings(ConfigModel):
    """Exponential backoff between delivery attempts."""

    initial_s: float = Field(default=2.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)
    max_s: float = Field(default=300.0, gt=0)


SMTP_STEPS = 8
"""Socket operations of one SMTP send, each with its own timeout (connect, EHLO, STARTTLS,
EHLO, AUTH, MAIL, RCPT, DATA)."""
HTTP_PHASES = 4
"""httpx applies its timeout to each phase (pool, connect, write, read)."""


class DeliverySettings(ConfigModel):
    """How often a failing notification is retried."""

    max_attempts: int = Field(default=6, ge=1, le=100)
    backoff: BackoffSettings = BackoffSettings()
    interval_s: float = Field(default=0.2, gt=0, description="dispatcher poll interval")
    claim_lease_s: float = Field(
        default=180.0, gt=0, description="a claimed send not finished by then is retried"
    )


class AuthSettings(ConfigModel):
    """The phone app's login tokens (issued by the cloud REST API, verified here)."""

    jwt_secret_env: str = Field(min_length=1, description="env var holding the HS256 secret")


class AlertingSettings(ConfigModel):
    """Everything the alert router needs."""

    org_id: Identifier
    database_url: str = Field(min_length=1)
    public_base_url: str = Field(pattern=r"^https?://")
    api: ApiSettings = ApiSettings()
    metrics: RouterMetricsEndpoint | None = Field(
        default=None, description="serve the router's Prometheus metrics here (null: not served)"
    )
    poll_interval_s: float = Field(default=0.2, gt=0)
    feed_batch_size: int = Field(default=200, ge=1, le=10_000)
    feed_lag_window: int = Field(
        default=1000, ge=0, description="rows below the highest processed seq still re-checked"
    )
    token_secret_env: str = Field(min_length=1)
    accept_link_max_age_s: int = Field(default=7 * 24 * 3600, ge=60)
    people: list[PersonSettings] = Field(min_length=1)
    receivers: list[ReceiverSettings] = Field(min_length=1)
    route: RouteSettings
    channels: ChannelsSettings = ChannelsSettings()
    delivery: DeliverySettings = DeliverySettings()
    timezone: str = Field(default="Asia/Shanghai", description="rosters' default time zone")
    escalation_policies: list[EscalationPolicy] = Field(default_factory=list)
    rosters: list[RosterSettings] = Field(default_factory=list)
    directory: DirectorySettings = DirectorySettings()
    inhibit_rules: list[InhibitRule] = Field(default_factory=lambda: list(DEFAULT_INHIBIT_RULES))
    silences: list[SilenceSettings] = Field(default_factory=list)
    operator_receiver: str | None = Field(
        default=None, description="pages device-health events; care workers never get them"
    )
    installer_receiver: str | None = Field(
        default=None,
        description="pages commissioning_test events (setup's test alarm) and nobody else does; "
        "null: they are recorded and page nobody",
    )
    auth: AuthSettings | None = None
    family_quiet_hours: QuietHours | None = Field(
        default_factory=lambda: QuietHours(start=time(22, 0), end=time(7, 0)),
        description="local hours in which non-critical pages to family wait; null: never",
    )
    directory_source: Literal["yaml", "database"] = Field(
        default="yaml",
        description="yaml: the directory block above; database: the cloud's domain tables",
    )

    @model_validator(mode="after")
    def _references_exist(self) -> Self:
        person_ids = [p.id for p in self.people]
        dup = {p for p in person_ids if person_ids.count(p) > 1}
        if dup:
            raise ValueError(f"people: id(s) {', '.join(sorted(dup))} appear more than once")
        names = [r.name for r in self.receivers]
        if len(set(names)) != len(names):
            raise ValueError("receivers: every receiver needs a unique name")
        for receiver in self.receivers:
            missing = [p for p in receiver.people if p not in person_ids]
            if missing:
                raise ValueError(
                    f"receiver {receiver.name!r} names unknown people {missing}: "
                    f"add them under people or fix the ids (known: {', '.join(person_ids)})"
                )
        self._check_routes(names)
        self._check_people_refs(person_ids, names)
        for person in self.people:
            for contact in person.contacts:
                channel = getattr(self.channels, contact.channel.value)
                if channel is None:
                    raise ValueError(
                        f"person {person.id!r} has a contact on channel "
                        f"{contact.channel.value} but channels.{contact.channel.value} "
                        "is not configured: add it"
                    )
                if (
                    isinstance(contact, DingTalkContact | WeComContact)
                    and contact.robot not in channel.robots
                ):
                    raise ValueError(
                        f"person {person.id!r} names robot {contact.robot!r} but "
                        f"channels.{contact.channel.value}.robots has only "
                        f"{', '.join(sorted(channel.robots))}: add it or fix the name"
                    )
        return self

    def _check_routes(self, names: list[str]) -> None:
        if self.route.receiver is None:
            raise ValueError("route.receiver: the root route needs a receiver")
        policies = [p.name for p in self.escalation_policies]
        for path, node in self.route.walk():
            where = "route" if len(path) == 1 else "route " + " → ".join(path)
            if node.receiver is not None and node.receiver not in names:
                raise ValueError(
                    f"{where}.receiver {node.receiver!r} is not one of the receivers "
                    f"({', '.join(names)}): fix the name or add the receiver"
                )
            if node.escalation is not None and node.escalation not in policies:
                raise ValueError(
                    f"{where}.escalation {node.escalation!r} is not one of the "
                    f"escalation_policies ({', '.join(policies) or 'none defined'})"
                )
        if self.operator_receiver is not None and self.operator_receiver not in names:
            raise ValueError(
                f"operator_receiver {self.operator_receiver!r} is not one of the receivers"
            )
        if self.installer_receiver is not None and self.installer_receiver not in names:
            raise ValueError(
                f"installer_receiver {self.installer_receiver!r} is not one of the receivers: "
                "add a receiver naming the installers, or fix the name"
            )

    def _check_people_refs(self, person_ids: list[str], receiver_names: list[str]) -> None:
        check_timezone(self.timezone)
        rosters = [r.name for r in self.rosters]
        refs = list(self.directory.person_refs())
        for roster in self.rosters:
            for shift in roster.shifts:
                refs.extend((f"roster {roster.name}", p) for p in shift.people)
        for team in self.directory.teams:
            if team.roster is not None and team.roster not in rosters:
                raise ValueError(f"directory team {team.id} names unknown roster {team.roster!r}")
        for policy in self.escalation_policies:
            for step in policy.steps:
                for target in step.notify:
                    kind, name = named_target(target) or ("", "")
                    known = {"person": person_ids, "receiver": receiver_names, "roster": rosters}
                    if kind and name not in known[kind]:
                        raise ValueError(
                            f"escalation policy {policy.name!r} names unknown {kind} {name!r}"
                        )
        unknown = [f"{where}: {pid}" for where, pid in refs if pid not in person_ids]
        if unknown:
            raise ValueError(
                f"unknown people ({'; '.join(unknown)}): add them under people with a contact"
            )

    def policy(self, name: str | None) -> EscalationPolicy:
        """The escalation policy called ``name`` (the default one-step policy for ``None``)."""
        for policy in self.escalation_policies:
            if policy.name == name:
                return policy
        return DEFAULT_POLICY

    @model_validator(mode="after")
    def _sends_finish_within_lease(self) -> Self:
        """A send still running when its claim lease ends would be claimed again and the
        page sent twice, so the slowest possible send must fit inside the lease."""
        worst = []
        if self.channels.email is not None:
            worst.append(("channels.email", self.channels.email.timeout_s * SMTP_STEPS))
        for where, timeout_s in self.channels.http_timeouts():
            worst.append((where, timeout_s * HTTP_PHASES))
        for where, seconds in worst:
            if seconds >= self.delivery.claim_lease_s:
                raise ValueError(
                    f"{where}.timeout_s allows a send of up to {seconds:.0f} s, not less than "
                    f"delivery.claim_lease_s ({self.delivery.claim_lease_s:.0f} s): a slow "
                    "send could be claimed again and paged twice; lower the timeout or raise "
                    "the lease"
                )
        return self

    def person(self, person_id: str) -> PersonSettings:
        """The person with ``person_id`` (raises ``KeyError`` if unknown)."""
        for person in self.people:
            if person.id == person_id:
                return person
        raise KeyError(person_id)

    def device_receiver(self, event_type: str) -> str | None:
        """The receiver paged by an operator-audience event of ``event_type`` (None: nobody).

        A commissioning test pages the installers only; other device events the duty desk.
        """
        if event_type == EventType.COMMISSIONING_TEST:
            return self.installer_receiver
        return self.operator_receiver

    def receiver(self, name: str) -> ReceiverSettings:
        """The receiver called ``name`` (raises ``KeyError`` if unknown)."""
        for receiver in self.receivers:
            if receiver.name == name:
                return receiver
        raise KeyError(name)


def load_alerting_settings(path: Path) -> AlertingSettings:
    """Load and validate the alert router's YAML settings (raises ``ConfigError``)."""
    return load_yaml_model(path, AlertingSettings)
