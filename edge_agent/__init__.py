"""The edge agent: reads the home's devices, detects, and forwards events durably to the cloud."""
