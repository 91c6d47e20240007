"""Returns numpy.float32, which rounds the rate and is not a subclass of float."""

import numpy as np


def suggest_lr(lrs, losses):
    lrs = np.asarray(lrs, dtype=np.float32)
    slopes = np.gradient(np.asarray(losses, dtype=np.float32), np.log10(lrs))
    return lrs[np.argmin(slopes)]
