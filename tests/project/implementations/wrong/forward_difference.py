"""Uses forward differences, as fastai's "steep" suggestion does.

np.diff gives one slope per pair of points, and returning the left point of
the steepest pair lands half a step before the central-difference answer.
"""

import numpy as np


def suggest_lr(lrs, losses):
    log_lrs = np.log10(np.asarray(lrs, dtype=float))
    slopes = np.diff(np.asarray(losses, dtype=float)) / np.diff(log_lrs)
    return float(lrs[np.argmin(slopes)])
