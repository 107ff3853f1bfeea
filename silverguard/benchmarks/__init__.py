"""``silverguard bench …``: benchmarks that print JSON figures (never asserted in tests)."""
