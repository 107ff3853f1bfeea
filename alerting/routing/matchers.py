"""Label matchers in Alertmanager's syntax: ``name=value``, ``name!=value``, ``name=~re``,
``name!~re`` (regular expressions are anchored, as in Alertmanager).

A missing label matches as the empty string, so ``team!=t-1`` also matches incidents without
a team.

Example:
    >>> m = Matcher.parse("severity=~critical|high")
    >>> m.matches({"severity": "high"}), m.matches({"severity": "low"})
    (True, False)
    >>> Matcher.parse("type!=fall").matches({"type": "fire"})
    True
    >>> Matcher.parse("org=org-demo").text
    'org=org-demo'
    >>> Matcher.parse("no operator")
    Traceback (most recent call last):
    ...
    ValueError: matcher 'no operator' is not name=value, name!=value, name=~regex or name!~regex
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

_SYNTAX = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


class MatchOp(StrEnum):
    """How a matcher compares a label."""

    EQ = "="
    NE = "!="
    RE = "=~"
    NRE = "!~"


@dataclass(frozen=True, slots=True)
class Matcher:
    """One parsed matcher."""

    name: str
    op: MatchOp
    value: str
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse ``text`` (raises ``ValueError`` with the accepted forms)."""
        found = _SYNTAX.match(text)
        if found is None:
            raise ValueError(
                f"matcher {text!r} is not name=value, name!=value, name=~regex or name!~regex"
            )
        name, op, value = found.group(1), MatchOp(found.group(2)), found.group(3)
        value = value.strip('"')
        pattern = None
        if op in (MatchOp.RE, MatchOp.NRE):
            try:
                pattern = re.compile(f"^(?:{value})$")
            except re.error as exc:
                raise ValueError(f"matcher {text!r}: bad regular expression ({exc})") from exc
        return cls(name, op, value, pattern)

    @property
    def text(self) -> str:
        """The matcher as written canonically."""
        return f"{self.name}{self.op.value}{self.value}"

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this matcher."""
        actual = labels.get(self.name, "")
        match self.op:
            case MatchOp.EQ:
                return actual == self.value
            case MatchOp.NE:
                return actual != self.value
            case MatchOp.RE:
                assert self.pattern is not None
                return self.pattern.match(actual) is not None
            case MatchOp.NRE:
                assert self.pattern is not None
                return self.pattern.match(actual) is None


def _valid(text: str) -> str:
    Matcher.parse(text)
    return text


MatcherText = Annotated[str, AfterValidator(_valid)]
"""A matcher string in a config file, checked when the config loads."""


def all_match(matchers: list[str] | tuple[str, ...], labels: Mapping[str, str]) -> bool:
    """Whether every matcher (already validated text) matches ``labels``.

    >>> all_match(["type=fire", "org=org-demo"], {"type": "fire", "org": "org-demo"})
    True
    >>> all_match([], {})
    True
    """
    return all(Matcher.parse(m).matches(labels) for m in matchers)


def parse_labels(pairs: list[str]) -> dict[str, str]:
    """``["type=fall", "org=org-demo"]`` (or one comma-separated string) as a label dict.

    >>> parse_labels(["type=fall,org=org-demo", "severity=critical"])
    {'type': 'fall', 'org': 'org-demo', 'severity': 'critical'}
    """
    labels: dict[str, str] = {}
    for chunk in pairs:
        for pair in chunk.split(","):
            name, sep, value = pair.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"label {pair!r} is not name=value (e.g. type=fall)")
            labels[name.strip()] = value.strip()
    return labels
