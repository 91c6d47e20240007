"""Reference solution of the learning-rate range test exercise.

The core is the last two statements of `suggest_lr`. The helpers above it check
the input, which the exercise does not ask for but a real range test needs.
A run that diverged records NaN or infinite losses, and a typo in the rates
should stop with a clear message instead of returning a wrong rate.
"""

import numpy as np


def as_real_vector(values, name):
    """Convert `values` to a 1-D float64 array, or raise ValueError naming `name`."""
    array = np.asarray(values)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name} must contain real numbers, got an array of dtype {array.dtype}.")
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    return array.astype(np.float64)


def check_lengths(lrs, losses):
    """Raise ValueError unless there are at least 2 points and one loss per rate."""
    if len(lrs) != len(losses):
        raise ValueError(
            f"lrs and losses must have the same length, got len(lrs) = {len(lrs)} and len(losses) = {len(losses)}."
        )
    if len(lrs) < 2:
        raise ValueError(f"At least 2 points are needed to compute a slope, got {len(lrs)}.")


def check_learning_rates(lrs):
    """Raise ValueError unless every rate is finite and positive and the rates strictly increase."""
    invalid = np.flatnonzero(~(np.isfinite(lrs) & (lrs > 0)))
    if invalid.size:
        i = invalid[0]
        raise ValueError(f"Every learning rate must be finite and positive, but lrs[{i}] = {float(lrs[i])!r}.")

    not_increasing = np.flatnonzero(np.diff(lrs) <= 0)
    if not_increasing.size:
        i = not_increasing[0]
        raise ValueError(
            f"lrs must be strictly increasing, but lrs[{i + 1}] = {float(lrs[i + 1])!r} "
            f"follows lrs[{i}] = {float(lrs[i])!r}."
        )


def finite_loss_positions(losses):
    """Return the positions of the finite losses, or raise ValueError when fewer than 2 remain."""
    positions = np.flatnonzero(np.isfinite(losses))
    if positions.size < 2:
        raise ValueError(
            f"At least 2 finite losses are needed to compute a slope, got {positions.size} "
            f"of {losses.size}; the others are NaN or infinite."
        )
    return positions


def suggest_lr(lrs, losses):
    """Return the learning rate at the steepest descent of the loss curve.

    The slope is the central difference of `losses` against log10 of `lrs`,
    as `np.gradient` computes it. The answer is the learning rate at the most
    negative slope, as a Python float that is one of the values in `lrs`.
    When several slopes tie for the most negative, the smallest of their rates
    is returned.

    lrs: finite, positive, strictly increasing learning rates (list or 1-D
        array of any integer or floating dtype).
    losses: the loss at each learning rate, the same length as `lrs`. NaN and
        infinite losses are left out before differentiating, so a run that
        diverged still gets an answer from its finite part.

    Raises ValueError, naming the problem and the offending value, for input
    that breaks any of these rules or leaves fewer than 2 finite losses.
    """
    lrs = as_real_vector(lrs, "lrs")
    losses = as_real_vector(losses, "losses")
    check_lengths(lrs, losses)
    check_learning_rates(lrs)
    kept = finite_loss_positions(losses)

    slopes = np.gradient(losses[kept], np.log10(lrs[kept]))

    # argmin returns the first of equal minima, so a tie goes to the smaller rate.
    # kept maps the position among the finite losses back to the position in lrs.
    return float(lrs[kept[np.argmin(slopes)]])
