"""Sorts the losses in decreasing order "to remove noise" before differentiating.

Sorting breaks the pairing of each loss with its rate, so the slopes describe
a curve that was never recorded.
"""

import numpy as np


def suggest_lr(lrs, losses):
    ordered = np.sort(np.asarray(losses, dtype=float))[::-1]
    slopes = np.gradient(ordered, np.log10(np.asarray(lrs, dtype=float)))
    return float(lrs[np.argmin(slopes)])
