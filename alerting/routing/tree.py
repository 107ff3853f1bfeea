"""The route tree, shaped like Alertmanager's: matchers, children, ``continue``, inheritance.

An incident's labels enter at the root (which matches everything). Children are tried in order;
a matching child is descended into, and unless it sets ``continue: true`` the search stops
there. A node none of whose children matched is itself a match. ``receiver``, ``escalation``
and ``group_by`` are inherited from the parent when a node leaves them out.

Example:
    >>> root = RouteSettings.model_validate({
    ...     "receiver": "duty", "escalation": "standard",
    ...     "routes": [
    ...         {"name": "fire", "matchers": ["type=~fire|sos"], "escalation": "critical",
    ...          "continue": True},
    ...         {"name": "team-north", "matchers": ["team=t-north"], "receiver": "north"}]})
    >>> [(m.path, m.receiver, m.escalation) for m in match_routes(root, {"type": "fire"})]
    [(('root', 'fire'), 'duty', 'critical')]
    >>> [m.path for m in match_routes(root, {"type": "fire", "team": "t-north"})]
    [('root', 'fire'), ('root', 'team-north')]
    >>> match_routes(root, {"type": "fall"})[0].receiver
    'duty'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pydantic import ConfigDict, Field

from alerting.routing.matchers import MatcherText, all_match
from contracts.config import ConfigModel

DEFAULT_GROUP_BY = ("home",)
"""Incidents of one home are grouped together unless a route says otherwise."""


class RouteSettings(ConfigModel):
    """One node of the route tree."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str | None = Field(default=None, max_length=100)
    matchers: list[MatcherText] = Field(default_factory=list)
    receiver: str | None = None
    escalation: str | None = Field(default=None, description="escalation policy name")
    group_by: list[str] | None = None
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteSettings] = Field(default_factory=list)

    def walk(
        self, path: tuple[str, ...] = ("root",)
    ) -> Iterator[tuple[tuple[str, ...], RouteSettings]]:
        """Every node with its path, depth first (for validation and printing)."""
        yield path, self
        for index, child in enumerate(self.routes):
            yield from child.walk((*path, child.name or f"routes[{index}]"))


@dataclass(frozen=True, slots=True)
class MatchedRoute:
    """A matched node with its inherited options resolved."""

    path: tuple[str, ...]
    receiver: str
    escalation: str | None
    group_by: tuple[str, ...]

    @property
    def path_text(self) -> str:
        """The path as ``root → fire``."""
        return " → ".join(self.path)


@dataclass(frozen=True, slots=True)
class _Inherited:
    receiver: str | None
    escalation: str | None
    group_by: tuple[str, ...]


def match_routes(root: RouteSettings, labels: Mapping[str, str]) -> list[MatchedRoute]:
    """The matched routes for ``labels``, in tree order (never empty: the root matches)."""
    inherited = _Inherited(None, None, DEFAULT_GROUP_BY)
    return _match(root, ("root",), labels, inherited) or []


def _match(
    node: RouteSettings,
    path: tuple[str, ...],
    labels: Mapping[str, str],
    parent: _Inherited,
) -> list[MatchedRoute] | None:
    if not all_match(node.matchers, labels):
        return None
    here = _Inherited(
        node.receiver or parent.receiver,
        node.escalation or parent.escalation,
        tuple(node.group_by) if node.group_by is not None else parent.group_by,
    )
    found: list[MatchedRoute] = []
    for index, child in enumerate(node.routes):
        matched = _match(child, (*path, child.name or f"routes[{index}]"), labels, here)
        if matched is None:
            continue
        found.extend(matched)
        if not child.continue_:
            break
    if found:
        return found
    if here.receiver is None:  # only the root can leave it unset, and validation forbids it
        raise ValueError(f"route {' → '.join(path)} has no receiver")
    return [MatchedRoute(path, here.receiver, here.escalation, here.group_by)]


def group_key(route: MatchedRoute, labels: Mapping[str, str]) -> str:
    """The group an incident belongs to: the values of its route's ``group_by`` labels.

    Unlike Alertmanager the route is not part of the key: a fall and a bed exit in one home
    are one group even when they take different routes (one person is on site for both).

    >>> r = MatchedRoute(("root",), "duty", None, ("home",))
    >>> group_key(r, {"home": "home-0001", "type": "fall"})
    'home=home-0001'
    >>> group_key(MatchedRoute(("root",), "duty", None, ()), {"home": "home-0001"})
    ''
    """
    return ",".join(f"{name}={labels.get(name, '')}" for name in route.group_by)
