"""Reference solution of the learning-rate range test exercise."""

import numpy as np


def suggest_lr(lrs, losses):
    """Return the learning rate at the steepest descent of the loss curve.

    The slope is the central difference of `losses` against log10 of `lrs`,
    as `np.gradient` computes it. The answer is the learning rate at the most
    negative slope, as a Python float that is one of the values in `lrs`.

    lrs: positive, strictly increasing learning rates (list or 1-D array).
    losses: the loss at each learning rate, the same length as `lrs`.
    """
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)

    slopes = np.gradient(losses, np.log10(lrs))

    # argmin returns the first of equal minima, so a tie goes to the smaller rate.
    return float(lrs[np.argmin(slopes)])
