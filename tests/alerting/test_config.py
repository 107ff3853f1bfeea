"""Settings: the example file loads, and broken references say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alerting.config import ChannelKind, load_alerting_settings
from contracts.config import ConfigError

EXAMPLE = Path(__file__).parents[2] / "deploy" / "examples" / "alerting.yaml"


def test_example_config_loads() -> None:
    settings = load_alerting_settings(EXAMPLE)
    person = settings.person(settings.receiver(settings.route.receiver or "").people[0])
    assert person.name == "王芳"
    assert {c.channel for c in person.contacts} == {ChannelKind.WEBHOOK, ChannelKind.EMAIL}
    assert settings.database_url.startswith("sqlite:///./var/")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("receiver: night-duty", "receiver: day-duty", "route.receiver 'day-duty' is not one"),
        ("people: [cw-0001]", "people: [cw-9999]", "unknown people ['cw-9999']"),
        ("  webhook:\n    secret_env", "  webhok:\n    secret_env", "channels.webhok"),
        ("org_id: org-demo", "org_id: org-demo\ncolour: red", "colour: Extra inputs"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "alerting.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_alerting_settings(path)


def test_a_send_that_can_outlast_its_claim_is_refused(tmp_path: Path) -> None:
    """Otherwise a slow relay's page could be claimed again and sent twice."""
    example = yaml.safe_load(EXAMPLE.read_text())
    example["channels"]["email"]["timeout_s"] = 30  # 8 steps x 30 s >= 180 s lease
    path = tmp_path / "alerting.yaml"
    path.write_text(yaml.safe_dump(example, allow_unicode=True))
    with pytest.raises(ConfigError, match="paged twice"):
        load_alerting_settings(path)
