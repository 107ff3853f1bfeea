"""``python -m edge_agent run --config FILE``: the agent alone, without the cloud side's imports
(what a gateway's systemd unit runs; ``silverguard edge`` is the same commands)."""

import logging
import sys

from edge_agent.cli import app

logging.basicConfig(
    level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s"
)
app()
