"""``silverguard setup``: register a gateway, pair its devices, prove the chain, install it."""
