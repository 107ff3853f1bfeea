"""Benchmarks: each prints JSON figures; performance claims cite the command that made them."""
