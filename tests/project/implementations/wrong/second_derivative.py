"""Takes the minimum of the second derivative (the sharpest bend) instead of the slope."""

import numpy as np


def suggest_lr(lrs, losses):
    log_lrs = np.log10(np.asarray(lrs, dtype=float))
    slopes = np.gradient(np.asarray(losses, dtype=float), log_lrs)
    curvature = np.gradient(slopes, log_lrs)
    return float(lrs[np.argmin(curvature)])
