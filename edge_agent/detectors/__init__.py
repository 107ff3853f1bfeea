"""Pure detectors: readings and ticks in, events out; no I/O, no wall clock."""
