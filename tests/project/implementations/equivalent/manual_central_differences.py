"""Writes the statement's non-uniform central-difference formula out with numpy slices."""

import numpy as np


def suggest_lr(lrs, losses):
    x = np.log10(np.asarray(lrs, dtype=float))
    y = np.asarray(losses, dtype=float)
    slopes = np.empty_like(y)

    slopes[0] = (y[1] - y[0]) / (x[1] - x[0])
    slopes[-1] = (y[-1] - y[-2]) / (x[-1] - x[-2])

    a = x[1:-1] - x[:-2]
    b = x[2:] - x[1:-1]
    slopes[1:-1] = (a * a * y[2:] + (b * b - a * a) * y[1:-1] - b * b * y[:-2]) / (a * b * (a + b))

    return float(lrs[np.argmin(slopes)])
