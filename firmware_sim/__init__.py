"""Emulators of the home's devices, speaking their real wire formats."""
