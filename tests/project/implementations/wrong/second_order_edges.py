"""Uses np.gradient with edge_order=2, which changes the slopes at the two end points."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)), edge_order=2)
    return float(lrs[np.argmin(slopes)])
