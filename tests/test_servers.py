"""The test servers themselves start, answer, and clean up."""

from __future__ import annotations

import asyncio

import aiomqtt
import sqlalchemy as sa

from tests.servers import MosquittoInstance


async def test_private_mosquitto_round_trip(private_mosquitto: MosquittoInstance) -> None:
    async with aiomqtt.Client(private_mosquitto.host, private_mosquitto.port) as client:
        await client.subscribe("t/#", qos=1)
        await client.publish("t/1", b"x", qos=1)
        async with asyncio.timeout(5):
            message = await anext(aiter(client.messages))
    assert message.payload == b"x"


def test_throwaway_postgres_is_empty(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("select count(*) from pg_tables where schemaname='public'")
            ).scalar_one()
            == 0
        )
    engine.dispose()
