"""The event feed: reads the ingest's ``events`` table and turns rows into incidents."""

from alerting.feed.poller import FeedPoller
from alerting.feed.processor import process_event_row

__all__ = ["FeedPoller", "process_event_row"]
