"""Fall model coefficients, written by ``silverguard eval falls-train`` (do not edit).

Trained on WEDA-FALL (Marques & Moreno): 602 recordings (225 falls),
15 subjects (U01…U26); L2 = 1.0. Reproduce with
``silverguard eval falls-train --weda ../shared/data/weda-fall``.

Example:
    >>> sorted(MODEL)
    ['intercept', 'means', 'names', 'scales', 'threshold', 'weights']
"""

MODEL: dict[str, object] = {
    "names": [
        "log_peak_g",
        "orientation_change_90deg",
        "post_std_g",
        "post_offset_g",
        "pre_std_g",
        "impact_rotation_90deg",
        "settle_std_g",
    ],
    "means": [1.306141, 0.538787, 0.351547, 0.147009, 0.360898, 0.464572, 0.509537],
    "scales": [0.36151, 0.42135, 0.366046, 0.230625, 0.359527, 0.405868, 0.380404],
    "weights": [2.66852, 1.134124, -0.60926, -2.457089, -1.418128, 0.574978, 1.524309],
    "intercept": -4.689143,
    "threshold": 0.5,
}
