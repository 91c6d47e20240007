"""Returns the geometric midpoint of the steepest forward-difference pair.

The midpoint is where a forward difference is centred, but it is not one of
the input rates.
"""

import numpy as np


def suggest_lr(lrs, losses):
    lrs = np.asarray(lrs, dtype=float)
    log_lrs = np.log10(lrs)
    slopes = np.diff(np.asarray(losses, dtype=float)) / np.diff(log_lrs)
    i = np.argmin(slopes)
    return float(np.sqrt(lrs[i] * lrs[i + 1]))
