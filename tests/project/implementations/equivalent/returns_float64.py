"""Returns the numpy.float64 element itself, which is a subclass of float."""

import numpy as np


def suggest_lr(lrs, losses):
    lrs = np.asarray(lrs, dtype=np.float64)
    slopes = np.gradient(np.asarray(losses, dtype=np.float64), np.log10(lrs))
    return lrs[np.argmin(slopes)]
