"""Who is calling: password and credential hashing, and what each role may see."""

from cloud_ingest.auth.principal import Principal, resident_visibility
from cloud_ingest.auth.secrets import SecretHasher, new_secret, sha256_hex

__all__ = ["Principal", "SecretHasher", "new_secret", "resident_visibility", "sha256_hex"]
