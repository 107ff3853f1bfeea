"""Detector evaluation on real recordings (``silverguard eval …``): figures next to goals."""
