"""Signal processing on the gateway: raw mattress ballistocardiogram → vitals (numpy/SciPy)."""
