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
        "log_jerk_g_s",
        "free_fall_g",
        "orientation_change_90deg",
        "log_post_std_g",
        "log_pre_std_g",
    ],
    "means": [1.306141, 4.905995, 0.529765, 0.538787, -1.590155, -1.506705],
    "scales": [0.36151, 0.707564, 0.235491, 0.42135, 1.169298, 1.106798],
    "weights": [3.645483, -0.427479, -0.258758, 1.463634, -0.543177, -0.822423],
    "intercept": -3.701888,
    "threshold": 0.5,
}
