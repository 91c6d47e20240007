"""Finds the right point but returns the previous rate, lrs[i - 1], as a more cautious choice."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    i = max(int(np.argmin(slopes)) - 1, 0)
    return float(lrs[i])
