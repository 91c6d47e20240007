"""Prints the answer instead of returning it, so the function returns None."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    print(float(lrs[np.argmin(slopes)]))
