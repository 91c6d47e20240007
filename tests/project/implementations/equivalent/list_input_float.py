"""Converts to lists first and returns float(lrs[i]) from the list."""

import numpy as np


def suggest_lr(lrs, losses):
    lrs = list(lrs)
    losses = list(losses)
    slopes = np.gradient(losses, np.log10(lrs))
    i = int(np.argmin(slopes))
    return float(lrs[i])
