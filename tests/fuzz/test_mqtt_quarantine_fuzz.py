"""Generated junk over a real Mosquitto into a running cloud ingest: every rejected message is
quarantined (its exact bytes, the topic and the same clear reason the pure check gives), and
the ingest goes on storing good messages.

``test_payload_fuzz`` shows what ``check_message`` decides for junk; this shows the decision is
carried out for messages that really came over MQTT: one hypothesis example is one publish,
against one ingest worker (in a thread of its own) on a throwaway PostgreSQL.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import paho.mqtt.publish
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.client import MQTTv5
from sqlalchemy import Engine, func, select

from cloud_ingest.consumer.checks import Rejected, check_message
from cloud_ingest.store import EventRow, QuarantineRow
from cloud_ingest.store.engine import make_engine
from contracts import TopicKind, encode_envelope
from contracts.topics import build_topic
from tests.cloud_ingest.support import event_envelope, ingest_settings, running_ingest
from tests.fuzz.test_payload_fuzz import ENVELOPE, encode, mutated, payloads
from tests.servers import MosquittoInstance, throwaway_postgres_database
from tests.threaded import in_a_thread

pytestmark = pytest.mark.integration

EXAMPLES = 150
KINDS = [TopicKind.EVENT, TopicKind.READING, TopicKind.STATUS]


@dataclass
class Ingest:
    """Where the ingest listens and stores."""

    port: int
    org: str
    engine: Engine

    def publish(self, kind: TopicKind, payload: bytes) -> str:
        """Publish ``payload`` (QoS 1) as gateway gw-1 of this org; returns the topic."""
        topic = build_topic(self.org, "gw-1", kind)
        paho.mqtt.publish.single(
            topic, payload, qos=1, hostname="127.0.0.1", port=self.port, protocol=MQTTv5
        )
        return topic

    def quarantined(self, topic: str, payload: bytes) -> list[str]:
        """The errors of the quarantine rows holding exactly ``payload`` from ``topic``."""
        query = select(QuarantineRow.error).where(
            QuarantineRow.topic == topic, QuarantineRow.payload == payload
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    def stored_events(self, message_id: str) -> int:
        query = select(func.count()).where(EventRow.message_id == message_id)
        with self.engine.connect() as connection:
            return int(connection.scalar(query) or 0)


@pytest.fixture(scope="module")
def ingest(mosquitto_broker: MosquittoInstance) -> Iterator[Ingest]:
    group = f"ingest-{secrets.token_hex(4)}"
    with throwaway_postgres_database() as url:
        settings = ingest_settings(url, mosquitto_broker.port, group=group)
        with in_a_thread(lambda: running_ingest(settings)):
            engine = make_engine(url)
            try:
                yield Ingest(mosquitto_broker.port, f"org-{secrets.token_hex(4)}", engine)
            finally:
                engine.dispose()


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout_s} s")
        time.sleep(0.02)


junk = payloads | mutated(ENVELOPE).map(encode)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(payload=junk, kind=st.sampled_from(KINDS))
def test_junk_over_mqtt_is_quarantined_with_the_checks_reason(
    ingest: Ingest, payload: bytes, kind: TopicKind
) -> None:
    topic = build_topic(ingest.org, "gw-1", kind)
    verdict = check_message(topic, payload)
    assert isinstance(verdict, Rejected), "junk passed the check: the generator is too kind"
    before = len(ingest.quarantined(topic, payload))
    ingest.publish(kind, payload)
    _wait(
        lambda: len(ingest.quarantined(topic, payload)) > before,
        f"{payload[:60]!r} on {kind.value} was not quarantined",
    )
    assert verdict.error in ingest.quarantined(topic, payload)


def test_after_the_junk_a_good_event_is_still_stored(ingest: Ingest) -> None:
    envelope = event_envelope(ingest.org)
    ingest.publish(TopicKind.EVENT, encode_envelope(envelope))
    _wait(lambda: ingest.stored_events(envelope.message_id) == 1, "the good event was not stored")
