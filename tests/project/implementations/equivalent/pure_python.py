"""Computes the central differences in a plain loop with math.log10, without numpy."""

import math


def suggest_lr(lrs, losses):
    x = [math.log10(lr) for lr in lrs]
    y = [float(loss) for loss in losses]
    n = len(x)

    slopes = []
    for i in range(n):
        if i == 0:
            slope = (y[1] - y[0]) / (x[1] - x[0])
        elif i == n - 1:
            slope = (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2])
        else:
            a = x[i] - x[i - 1]
            b = x[i + 1] - x[i]
            slope = (a * a * y[i + 1] + (b * b - a * a) * y[i] - b * b * y[i - 1]) / (a * b * (a + b))
        slopes.append(slope)

    # min keeps the first of equal slopes, so a tie goes to the smaller rate, as np.argmin does.
    best = min(range(n), key=lambda i: slopes[i])
    return float(lrs[best])
