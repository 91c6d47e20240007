"""Finds the right point but returns the next rate, lrs[i + 1], to stay on the safe side of it."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    i = min(int(np.argmin(slopes)) + 1, len(lrs) - 1)
    return float(lrs[i])
