"""Load organisations, teams, people, residents, homes, gateways, devices and partners from YAML.

``silverguard ingest seed`` and the tests use it; see ``deploy/examples/seed.yaml``.
"""

from cloud_ingest.seed.apply import SeedResult, apply_seed
from cloud_ingest.seed.file import SeedFile, load_seed_file

__all__ = ["SeedFile", "SeedResult", "apply_seed", "load_seed_file"]
