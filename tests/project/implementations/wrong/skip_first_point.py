"""Drops the first point as warm-up, then indexes the full lrs with the shorter slopes.

The index into lrs[1:] is one less than the index into lrs, so the answer
shifts one step to the left.
"""

import numpy as np


def suggest_lr(lrs, losses):
    log_lrs = np.log10(np.asarray(lrs, dtype=float))
    slopes = np.gradient(np.asarray(losses, dtype=float)[1:], log_lrs[1:])
    return float(lrs[np.argmin(slopes)])
