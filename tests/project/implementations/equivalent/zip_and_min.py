"""Pairs each rate with its slope and takes min over the pairs, keyed by slope."""

import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    best_lr, _ = min(zip(lrs, slopes), key=lambda pair: pair[1])
    return float(best_lr)
