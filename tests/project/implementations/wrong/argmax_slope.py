"""Takes the steepest rise (argmax) instead of the steepest descent (argmin)."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return float(lrs[np.argmax(slopes)])
