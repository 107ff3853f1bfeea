"""The example config loads; every message of the templates and labels is translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from care_app.config import CareAppSettings
from care_app.i18n import catalog_path
from contracts.config import ConfigError, load_yaml_model
from silverguard.cli import app

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "deploy" / "examples" / "care-app.yaml"


def _message_ids() -> set[str]:
    method_map = [
        ("care_app/**.py", "python"),
        ("care_app/templates/**.html", "jinja2"),
        ("care_app/templates/**.json", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, keywords={"_": None, "gettext": None, "N_": None}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_example_config_loads() -> None:
    settings = load_yaml_model(EXAMPLE, CareAppSettings)
    assert (settings.default_locale, settings.session_ttl_s) == ("zh_CN", 900)
    assert settings.metrics is not None
    assert settings.metrics.port == 9313


def test_a_typo_in_the_config_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8") + "sesion_ttl_s: 60\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="sesion_ttl_s"):
        load_yaml_model(bad, CareAppSettings)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_message_is_in_the_catalog(locale: str) -> None:
    with catalog_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale)
    ids = {m.id for m in catalog if m.id}
    used = _message_ids()
    assert len(used) > 80
    assert used - ids == set(), "run pybabel extract/update (see care_app/babel.cfg)"
    if locale == "zh_CN":
        untranslated = sorted(m.id for m in catalog if m.id and not m.string)
        assert untranslated == []


def test_check_config_names_the_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SG_CARE_APP_SESSION_SECRET", raising=False)
    result = CliRunner().invoke(app, ["app", "check-config", "--config", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "SG_CARE_APP_SESSION_SECRET" in result.output
    monkeypatch.setenv("SG_CARE_APP_SESSION_SECRET", "x" * 32)
    ok = CliRunner().invoke(app, ["app", "check-config", "--config", str(EXAMPLE)])
    assert ok.exit_code == 0, ok.output
    assert "default language zh_CN" in ok.output
