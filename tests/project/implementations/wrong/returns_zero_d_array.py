"""Returns a 0-dimensional array, which prints and compares like a float but is not one."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return np.array(lrs[np.argmin(slopes)])
