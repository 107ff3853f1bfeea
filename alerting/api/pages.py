"""The small zh-CN HTML pages behind accept links (no templates engine, everything escaped).

Example:
    >>> "确认接单" in confirm_page("【紧急】火警 · 住户 res-0001", "smoke <b>", "/a/t")
    True
    >>> "&lt;b&gt;" in confirm_page("t", "smoke <b>", "/a/t")
    True
"""

from __future__ import annotations

from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
    "button{font-size:1.4rem;padding:.8rem 2rem;width:100%}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def confirm_page(title: str, summary: str, action: str) -> str:
    """The page a GET on an accept link shows: nothing changes until the button is pressed."""
    return _page(
        "确认接单",
        f"<h1>{escape(title)}</h1><p>{escape(summary)}</p>"
        f'<form method="post" action="{escape(action)}">'
        '<button type="submit">确认接单</button></form>',
    )


def message_page(heading: str, text: str) -> str:
    """A result or error page."""
    return _page(heading, f"<h1>{escape(heading)}</h1><p>{escape(text)}</p>")
