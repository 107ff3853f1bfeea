"""The uplink to the cloud broker."""
