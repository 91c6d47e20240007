"""Returns the index of the steepest slope instead of the learning rate there."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return int(np.argmin(slopes))
