"""Returns a one-element array from boolean indexing instead of a float.

The array compares equal to the right rate with "==", so only a type check
catches it.
"""

import numpy as np


def suggest_lr(lrs, losses):
    lrs = np.asarray(lrs, dtype=float)
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(lrs))
    return lrs[slopes == slopes.min()]
