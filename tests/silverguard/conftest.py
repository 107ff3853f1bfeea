"""Fixtures for the tests that run the embedded demo broker (amqtt) in this process."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture
def collect_amqtt_leaks() -> Iterator[None]:
    """Collect, at the end of the test that ran it, what amqtt 0.12's broker leaks.

    amqtt's broker never closes the socket of a client that leaves before sending CONNECT
    (reproduce: ``PYTHONTRACEMALLOC=20 pytest tests/silverguard/benchmarks/test_bench_edge.py
    tests/silverguard/evaluation/test_eval_routine.py -W error::ResourceWarning`` — the
    traceback points into amqtt's handler). Left to the garbage collector, that socket's
    ``ResourceWarning`` fails whichever unrelated test runs when it is collected. Only the
    ResourceWarnings of this one collection are ignored; every other warning stays an error.
    """
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
