"""Schemathesis driving shared by the HTTP APIs' fuzz tests (cloud REST API, alert router,
care app): every operation of an app's own OpenAPI document, in process through ASGI.

Each operation gets ``max_examples`` generated cases (derandomized, so a run is repeatable);
the caller says which headers to send (a login, none, an accept link), which path parameters
to pin (a real incident now and then, so cases reach past the 404) and which checks to run.
:func:`clear_error_body` is ours: a refusal (4xx) must say what went wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

Check = Callable[[Any, Any, Any], bool | None]
Headers = Callable[[], dict[str, str]]
PathParameters = Callable[[Any], st.SearchStrategy[dict[str, str]] | None]

SHORTEST_DETAIL = 8
"""A ``detail`` shorter than this (``"error"``, ``"bad"``) explains nothing."""


class UnclearRefusal(Failure):
    """A 4xx response whose body does not say what went wrong."""

    kind_title = "Refusal without a clear error body"

    __slots__ = ("status_code",)

    def __init__(self, *, operation: str, status_code: int, message: str) -> None:
        super().__init__(operation=operation, message=message)
        self.status_code = status_code

    @property
    def _unique_key(self) -> str:
        return str(self.status_code)


def _detail_messages(detail: Any) -> list[str]:
    """The human-readable parts of a ``detail``: a string, or FastAPI's list of ``msg``."""
    if isinstance(detail, str):
        return [detail]
    if isinstance(detail, list) and detail:
        return [item.get("msg", "") if isinstance(item, dict) else "" for item in detail]
    return [""]


def refusal_problem(status_code: int, content_type: str, text: str) -> str | None:
    """Why a response's body is not a clear refusal (``None`` if it is, or it is no 4xx).

    A JSON refusal carries ``detail``: a sentence, or FastAPI's list of validation errors, each
    with a ``msg``. An HTML refusal (the accept-link pages) has a heading and a paragraph.

    >>> refusal_problem(404, "application/json", '{"detail": "incident x does not exist"}')
    >>> refusal_problem(403, "application/json", '{"detail": "no"}')
    "detail 'no' is too short to say what went wrong"
    >>> refusal_problem(422, "application/json", '{"outcome": "refused"}')
    'a JSON refusal without a "detail"'
    >>> refusal_problem(401, "text/html", "<h1>链接无效</h1><p>此链接已过期，请使用最新的链接</p>")
    >>> refusal_problem(200, "text/plain", "")
    """
    if not 400 <= status_code < 500:
        return None
    if content_type.startswith("text/html"):
        return None if "<h1>" in text and "<p>" in text else "an HTML refusal without a message"
    try:
        body = json.loads(text)
    except ValueError:
        return f"a refusal that is not JSON ({content_type or 'no content type'})"
    if not isinstance(body, dict) or "detail" not in body:
        return 'a JSON refusal without a "detail"'
    for message in _detail_messages(body["detail"]):
        if len(message.strip()) < SHORTEST_DETAIL:
            return f"detail {message!r} is too short to say what went wrong"
    return None


def clear_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check: every 4xx says what went wrong (see :func:`refusal_problem`)."""
    problem = refusal_problem(
        response.status_code, response.headers.get("content-type", [""])[0], response.text
    )
    if problem is not None:
        raise UnclearRefusal(
            operation=case.operation.label,
            status_code=response.status_code,
            message=f"{response.status_code}: {problem}\nBody: {response.text[:500]}",
        )
    return None


_FREE_TEXT = ({"type": "string"}, {"anyOf": [{"type": "string"}, {"type": "null"}]})


def _negatable(parameter: Any) -> bool:
    """Whether a request can violate ``parameter``: a query or header parameter with a type
    or constraint beyond free text, or one that is required and can be left out.

    Negative generation finds nothing for free text or a path segment (a path cannot carry
    the NUL or the missing value a violation would need) and would search in vain for a few
    seconds per operation.
    """
    if parameter.location is ParameterLocation.PATH:
        return False
    schema = {
        k: v
        for k, v in parameter.definition.get("schema", {}).items()
        if k not in ("title", "description", "default")
    }
    return schema not in _FREE_TEXT or bool(parameter.is_required)


NO_SERVER_ERROR_AND_SCHEMA: list[Check] = [not_a_server_error, response_schema_conformance]
"""No 5xx; a response with a declared schema matches it."""
STRICT: list[Check] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    clear_error_body,
]
"""Also: only declared status codes and content types, and every 4xx says what went wrong."""


def run_every_operation(
    api_schema: Any,
    max_examples: int,
    headers: Headers,
    *,
    checks: Iterable[Check] = NO_SERVER_ERROR_AND_SCHEMA,
    path_parameters: PathParameters | None = None,
    modes: Iterable[GenerationMode] = (GenerationMode.POSITIVE,),
    skip: Callable[[str], bool] = lambda _label: False,
) -> list[str]:
    """Generate ``max_examples`` cases per operation and mode; return the operations run.

    ``headers()`` is called for every case (a fresh login each time); ``path_parameters``
    may give, per operation, a strategy of path parameters to pin instead of generated ones.
    """
    chosen = list(checks)
    ran = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if skip(operation.label):
            continue
        negatable = bool(list(operation.body)) or any(
            _negatable(p) for p in operation.iter_parameters()
        )
        for mode in modes:
            if mode is GenerationMode.NEGATIVE and not negatable:
                continue  # nothing to send wrong
            try:
                _run_operation(
                    operation,
                    mode,
                    max_examples=max_examples,
                    headers=headers,
                    checks=chosen,
                    path_parameters=path_parameters,
                )
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:
                    raise  # nothing negatable after all: no request violates its schema
        ran.append(operation.label)
    return ran


def _run_operation(
    operation: Any,
    mode: GenerationMode,
    *,
    max_examples: int,
    headers: Headers,
    checks: list[Check],
    path_parameters: PathParameters | None,
) -> None:
    """``max_examples`` cases of one operation in one generation mode."""
    cases: st.SearchStrategy[Any] = operation.as_strategy(generation_mode=mode)
    pinned = path_parameters(operation) if path_parameters else None
    if pinned is not None:

        def with_pinned(fixed: dict[str, str]) -> st.SearchStrategy[Any]:
            pinned_cases: st.SearchStrategy[Any] = operation.as_strategy(
                generation_mode=mode, path_parameters=fixed
            )
            return pinned_cases

        cases = st.one_of(cases, pinned.flatmap(with_pinned))

    @given(case=cases)
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers(), checks=checks)

    run()
