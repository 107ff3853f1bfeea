"""Translations: the ``.po`` catalogs in ``care_app/locale`` compiled in memory with Babel.

The message ids are English; ``zh_CN`` is the default locale.

Example:
    >>> t = load_translations("zh_CN")
    >>> t.gettext("Log in")
    '登录'
    >>> load_translations("en").gettext("Log in")
    'Log in'
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"


def catalog_path(locale: str) -> Path:
    """The ``.po`` file of ``locale``."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


@cache
def load_translations(locale: str) -> Translations:
    """The translations of ``locale`` (compiled once per process)."""
    with catalog_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)
