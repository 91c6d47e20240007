"""Hand-writes central differences with the evenly spaced formula on uneven spacing.

(y[i+1] - y[i-1]) / (x[i+1] - x[i-1]) equals np.gradient only when
x[i] - x[i-1] == x[i+1] - x[i].
"""

import math


def suggest_lr(lrs, losses):
    x = [math.log10(lr) for lr in lrs]
    y = [float(loss) for loss in losses]
    n = len(x)
    slopes = [(y[1] - y[0]) / (x[1] - x[0])]
    for i in range(1, n - 1):
        slopes.append((y[i + 1] - y[i - 1]) / (x[i + 1] - x[i - 1]))
    slopes.append((y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]))
    best = min(range(n), key=lambda i: slopes[i])
    return float(lrs[best])
