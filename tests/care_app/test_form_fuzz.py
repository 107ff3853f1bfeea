"""Junk into the care app's routes and forms: never a 5xx, and nothing a care worker typed is
lost.

The whole stack of the browser tests (``care_stack``: cloud API, alert router, care app on a
seeded PostgreSQL) runs in a thread of its own (``tests.threaded``), and a logged-in care
worker (wang.fang, with her session cookie and CSRF token) sends:

- schemathesis cases for every operation of the app's OpenAPI document (its routes are HTML
  forms, so the check is no 5xx; the live-queue relay is an endless stream and left out);
- hypothesis-made close forms (any outcome, note and confirmation, the note up to the
  textarea's 2000 characters) and step posts on a real incident: no 5xx; every answer that
  is not a redirect shows the note again (confirm page or the form, refilled); the first
  close that goes through stores the note exactly as typed.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from alerting.incidents.views import incident_view
from alerting.store.db import create_db_engine
from care_app.clients import segment
from care_app.labels import outcome_codes
from care_app.session import COOKIE
from tests.api_fuzz import run_every_operation
from tests.care_app.support import Stack, care_stack, secrets_env
from tests.cloud_ingest.api.support import STAFF_PASSWORD
from tests.servers import throwaway_postgres_database, victoria_metrics
from tests.threaded import in_a_thread

SCHEMA_EXAMPLES = 6
FORM_EXAMPLES = 60
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
INCIDENT_LINK = re.compile(r'href="/incidents/(\w+)"')
HIDDEN_NOTE = re.compile(r'<input type="hidden" name="note" value="([^"]*)">')
NOTE_BOX = re.compile(r'<textarea id="note" name="note"[^>]*>(.*?)</textarea>', re.DOTALL)
CLOSE_BUTTON = '<button type="submit" class="danger">'


class Worker:
    """Wang Fang's logged-in browser, as a blocking HTTP client."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.app_url, timeout=30, follow_redirects=False)
        login = self.http.post("/login", data={"username": "wang.fang", "password": STAFF_PASSWORD})
        assert login.status_code == 303, login.text
        self.cookie = f"{COOKIE}={self.http.cookies[COOKIE]}"
        found = CSRF.search(self.http.get("/").text)
        assert found, "the queue page carries no CSRF token"
        self.csrf = found.group(1)

    def wait_for_incident(self, timeout_s: float = 30.0) -> str:
        """The id of the first incident in her queue (the router opens it from the feed)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = INCIDENT_LINK.search(self.http.get("/").text)
            if found:
                return found.group(1)
            time.sleep(0.2)
        raise AssertionError(f"no incident reached the queue within {timeout_s} s")


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    with (
        pytest.MonkeyPatch.context() as env,
        throwaway_postgres_database() as url,
        victoria_metrics(tmp_path_factory.mktemp("victoria-metrics")) as victoria,
    ):
        for name, value in secrets_env().items():
            env.setenv(name, value)
        with in_a_thread(lambda: care_stack(url, victoria.url)) as stack:
            worker = Worker(stack)
            try:
                yield worker
            finally:
                worker.http.close()


@pytest.mark.timeout(300)
def test_no_route_answers_junk_with_a_server_error(worker: Worker) -> None:
    schema = schemathesis.openapi.from_url(f"{worker.stack.app_url}/openapi.json")
    ran = run_every_operation(
        schema,
        SCHEMA_EXAMPLES,
        lambda: {"Cookie": worker.cookie},
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
        skip=lambda label: label == "GET /queue/stream",  # an SSE stream: a case never ends
    )
    assert "POST /incidents/{incident_id}/close" in ran
    assert "POST /login" in ran
    assert len(ran) >= 10


def _notes_to_send_again(page: str) -> list[str]:
    """Notes the page would post again: in the note box, or hidden in a confirm form that
    has its button (a confirm page without one is a dead end: its note would be lost)."""
    fields = [NOTE_BOX, HIDDEN_NOTE] if CLOSE_BUTTON in page else [NOTE_BOX]
    return [
        html.unescape(m.group(1)).replace("\r\n", "\n") for f in fields for m in f.finditer(page)
    ]


notes = st.text(max_size=2000) | st.text(st.characters(codec="utf-8"), max_size=40)
outcomes = st.sampled_from(outcome_codes()) | st.text(max_size=20)


@pytest.mark.timeout(300)
def test_junk_forms_never_fail_and_lose_no_note(worker: Worker) -> None:
    worker.stack.store_fall()
    incident_id = worker.wait_for_incident()
    url = f"/incidents/{incident_id}"
    accepted = worker.http.post(f"{url}/accept", data={"csrf": worker.csrf})
    assert accepted.status_code == 303, accepted.text
    closed_with: list[str] = []

    @given(
        outcome=outcomes,
        note=notes,
        confirmed=st.sampled_from(["", "yes"]) | st.text(max_size=5),
        step=st.sampled_from(["en-route", "contact", "accept"]) | st.text(max_size=12),
    )
    @example(outcome="", note="helped her up", confirmed="", step="x")  # no outcome chosen
    @example(outcome="other", note="fine\x00", confirmed="yes", step="x")  # the API refuses
    @settings(
        max_examples=FORM_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def post(outcome: str, note: str, confirmed: str, step: str) -> None:
        form = {"csrf": worker.csrf, "outcome": outcome, "note": note, "confirmed": confirmed}
        answer = worker.http.post(f"{url}/close", data=form)
        assert answer.status_code < 500, answer.text
        if answer.status_code == 303:
            if confirmed == "yes" and not closed_with:
                closed_with.append(note)
        elif not closed_with:  # while it can be closed, the form keeps what was typed
            kept = _notes_to_send_again(answer.text)
            assert note.replace("\r\n", "\n") in kept, f"note lost ({answer.status_code})"
        moved = worker.http.post(f"{url}/{segment(step)}", data={"csrf": worker.csrf})
        assert moved.status_code < 500, moved.text

    post()
    assert closed_with, "no generated close went through: the check above proved nothing"
    engine = create_db_engine(worker.stack.database_url)
    try:
        view = incident_view(engine, incident_id)
    finally:
        engine.dispose()
    assert view is not None
    assert view["status"] == "closed"
    assert (view["close_note"] or "") == closed_with[0]
