"""Differentiates against the raw learning rate instead of its logarithm.

On geometric rates the first steps are tiny in raw units, so their slopes look
steepest and the smallest rates win.
"""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.asarray(lrs, dtype=float))
    return float(lrs[np.argmin(slopes)])
