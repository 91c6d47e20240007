"""Returns a one-element list holding the right rate instead of the rate itself."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return [float(lrs[np.argmin(slopes)])]
