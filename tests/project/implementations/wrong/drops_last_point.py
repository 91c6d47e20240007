"""Drops the last point as "already diverged" before looking for the steepest slope.

The slopes are computed on every point, so the indexes still match lrs, but
on a curve that falls fastest at its last point it returns the wrong rate.
"""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return float(lrs[int(np.argmin(slopes[:-1]))])
