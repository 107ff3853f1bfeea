"""What the API's request handlers share: the database, the clock, the signing secret, the TSDB.

One :class:`ApiContext` per application, kept in ``app.state`` (no module globals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cloud_ingest.api.series import SeriesReader
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.auth.throttle import LoginThrottle
from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.store import IngestStore
from contracts.clock import Clock, SystemClock


@dataclass
class ApiContext:
    """The API's dependencies; :meth:`close` releases the database connections."""

    database_url: str
    settings: ApiSettings
    jwt_secret: str
    clock: Clock = field(default_factory=SystemClock)
    hasher: SecretHasher = field(default_factory=SecretHasher)
    tsdb_url: str | None = None
    """Base URL of the time-series server (its Prometheus query API); None: not configured."""
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    store: IngestStore = field(init=False)
    series: SeriesReader | None = field(init=False)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.store = IngestStore(self.database_url, clock=self.clock)
        self.series = SeriesReader(self.tsdb_url) if self.tsdb_url else None

    def close(self) -> None:
        """Release every pooled connection."""
        if self.series is not None:
            self.series.close()
        self.store.close()
        self.engine.dispose()
