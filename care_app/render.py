"""Jinja2 environments, one per locale, with the Babel translations installed.

Example:
    >>> html = Renderer().render("error.html", "en", {"status": 404, "detail": "gone",
    ...                          "session": None, "path": "/x"})
    >>> "gone" in html and 'lang="en"' in html
    True
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from care_app import labels
from care_app.config import LOCALES
from care_app.i18n import load_translations
from care_app.summaries import summary_message

TEMPLATES = Path(__file__).parent / "templates"


def local_time(value: str | None, tz: str = "Asia/Shanghai") -> str:
    """``HH:MM`` (and the date when not today-ish) of an ISO time in ``tz``.

    >>> local_time("2026-11-24T03:05:00+00:00")
    '11-24 11:05'
    >>> local_time(None)
    '–'
    """
    if not value:
        return "–"
    at = datetime.fromisoformat(value).astimezone(ZoneInfo(tz))
    return at.strftime("%m-%d %H:%M")


def minutes(seconds: float | None) -> str:
    """Whole minutes of a duration (``–`` if unknown).

    >>> minutes(61), minutes(None)
    ('1', '–')
    """
    return "–" if seconds is None else str(int(seconds // 60))


def minutes_1(seconds: float | None) -> str:
    """Minutes with one decimal (``–`` if unknown).

    >>> minutes_1(90), minutes_1(None)
    ('1.5', '–')
    """
    return "–" if seconds is None else f"{seconds / 60:.1f}"


def percent(share: float | None) -> str:
    """A 0..1 share as a percentage (``–`` if unknown).

    >>> percent(0.956), percent(None)
    ('96%', '–')
    """
    return "–" if share is None else f"{share * 100:.0f}%"


class Renderer:
    """Renders a template in a locale."""

    def __init__(self) -> None:
        self._envs: dict[str, Environment] = {}
        for locale in LOCALES:
            env = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=select_autoescape(["html"]),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(  # type: ignore[attr-defined]
                load_translations(locale), newstyle=True
            )
            env.filters["local_time"] = local_time
            env.filters["minutes"] = minutes
            env.filters["minutes_1"] = minutes_1
            env.filters["percent"] = percent
            env.globals.update(
                labels=labels,
                summary_message=summary_message,
                locale=locale,
                html_lang="zh-CN" if locale == "zh_CN" else "en",
            )
            self._envs[locale] = env

    def render(self, name: str, locale: str, context: dict[str, Any]) -> str:
        """``name`` rendered in ``locale`` with ``context``."""
        return self._envs[locale].get_template(name).render(**context)
