"""Unit tests of the reference solution's input rules, and a property test against the plain definition."""

import math

import numpy as np
import pytest

from solution.suggest_lr import suggest_lr

NAN = math.nan
INF = math.inf

# Number of random inputs in the property test, and the seed that makes them repeatable.
PROPERTY_CASES = 2000
PROPERTY_SEED = 20240527


def plain_definition(lrs, losses):
    """Return the rate at the most negative np.gradient slope, with no input checks."""
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(np.asarray(lrs, dtype=float)))
    return float(np.asarray(lrs, dtype=float)[np.argmin(slopes)])


def call(lrs, losses):
    """Call the reference and describe the call, for failure messages."""
    return suggest_lr(lrs, losses), f"suggest_lr({lrs!r}, {losses!r})"


def test_statement_example():
    # Slopes against log10(lr): [-0.2, -0.35, -0.65, 0.6, 2.0].
    result, described = call([1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.5, 2.3, 1.8, 1.0, 3.0])
    assert result == 0.01, f"{described} returned {result!r}, expected 0.01"
    assert type(result) is float, f"{described} returned {type(result).__name__}, expected float"


def test_nan_tail_left_out():
    # The plain definition returns 0.1: the NaN makes slopes[4] NaN, and argmin picks the
    # first NaN. Without the NaN the slopes are [-0.02, -0.15, -0.54, 0.75, 2.3].
    lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    losses = [2.30, 2.28, 2.00, 1.20, 3.50, NAN]
    result, described = call(lrs, losses)
    assert result == 1e-3, f"{described} returned {result!r}, expected 0.001"


def test_inf_tail_left_out():
    # The plain definition returns 0.1 (inf - inf is NaN at the last point). Without the
    # infinite losses the slopes are [-0.1, -0.25, -0.4].
    lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    losses = [1.0, 0.9, 0.5, INF, INF]
    result, described = call(lrs, losses)
    assert result == 1e-3, f"{described} returned {result!r}, expected 0.001"


def test_nan_inside_maps_back():
    # Finite points at log10(lr) = -5, -3, -2, -1 give slopes [-0.25, -0.75, -0.25, 0.5].
    # The steepest is the 2nd finite point, which is lrs[2]. Returning lrs[1] would mean
    # the position among the finite losses was used as a position in lrs.
    lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    losses = [2.0, NAN, 1.5, 0.5, 1.0]
    result, described = call(lrs, losses)
    assert result == 1e-3, f"{described} returned {result!r}, expected 0.001"


def test_negative_inf_loss_left_out():
    # Without -inf the finite points at log10(lr) = -4, -2, -1 give slopes
    # [-0.5, -0.233, -0.1]. Kept in, -inf makes the slope at 1e-4 -inf and at 1e-2 +inf.
    lrs = [1e-4, 1e-3, 1e-2, 1e-1]
    losses = [2.0, -INF, 1.0, 0.9]
    result, described = call(lrs, losses)
    assert result == 1e-4, f"{described} returned {result!r}, expected 0.0001"


def test_tie_goes_to_smallest_rate():
    # log10 of these rates is exactly 0, 1, 2, 3, so the slopes [-1, -0.5, -0.5, -1]
    # tie exactly between the first and the last point.
    result, described = call([1.0, 10.0, 100.0, 1000.0], [3.0, 2.0, 2.0, 1.0])
    assert result == 1.0, f"{described} returned {result!r}, expected 1.0"


@pytest.mark.parametrize(
    "lrs, losses, expected",
    [
        ([1, 10, 100, 1000], [4, 3, 1, 2], 10.0),
        (np.array([1, 10, 100, 1000], dtype=np.int64), np.array([4, 3, 1, 2], dtype=np.uint8), 10.0),
        (
            np.array([1e-3, 1e-2, 1e-1, 1.0], dtype=np.float32),
            np.array([2.0, 1.8, 1.0, 1.5], dtype=np.float32),
            float(np.float32(1e-2)),
        ),
        (np.array([1e-3, 1e-2, 1e-1, 1.0], dtype=np.float16), [2.0, 1.8, 1.0, 1.5], float(np.float16(1e-2))),
        ((1e-3, 1e-2, 1e-1, 1.0), (2.0, 1.8, 1.0, 1.5), 1e-2),
    ],
    ids=["int-lists", "int64-uint8", "float32", "float16", "tuples"],
)
def test_real_dtypes_accepted(lrs, losses, expected):
    # Slopes against log10(lr) are [-0.2, -0.5, -0.15, 0.5] for [2, 1.8, 1, 1.5] and
    # [-1, -1.5, -0.5, 1] for [4, 3, 1, 2]. A float32 or float16 rate comes back as its exact float64 value.
    result, described = call(lrs, losses)
    assert type(result) is float, f"{described} returned {type(result).__name__}, expected float"
    assert result == expected, f"{described} returned {result!r}, expected {expected!r}"


def test_inputs_not_modified():
    lrs = np.array([1e-4, 1e-3, 1e-2, 1e-1])
    losses = np.array([2.0, NAN, 1.0, 3.0])
    suggest_lr(lrs, losses)
    assert lrs.tolist() == [1e-4, 1e-3, 1e-2, 1e-1], f"suggest_lr changed lrs to {lrs.tolist()}"
    assert np.isnan(losses[1]), f"suggest_lr changed losses to {losses.tolist()}"
    assert losses[[0, 2, 3]].tolist() == [2.0, 1.0, 3.0], f"suggest_lr changed losses to {losses.tolist()}"


@pytest.mark.parametrize(
    "lrs, losses, fragments",
    [
        ([1e-3, 1e-2, 1e-1], [1.0, 0.5], ["same length", "len(lrs) = 3", "len(losses) = 2"]),
        ([1e-3], [1.0], ["At least 2 points", "got 1"]),
        ([], [], ["At least 2 points", "got 0"]),
        ([[1e-3, 1e-2], [1e-1, 1.0]], [[1.0, 0.5], [0.4, 2.0]], ["lrs must be one-dimensional", "(2, 2)"]),
        ([1e-3, 1e-2], [[1.0, 0.5]], ["losses must be one-dimensional", "(1, 2)"]),
        (1e-3, 1.0, ["lrs must be one-dimensional", "()"]),
        ([1e-3, 0.0, 1e-1], [1.0, 0.5, 2.0], ["finite and positive", "lrs[1] = 0.0"]),
        ([-1e-3, 1e-2, 1e-1], [1.0, 0.5, 2.0], ["finite and positive", "lrs[0] = -0.001"]),
        ([1e-3, 1e-2, INF], [1.0, 0.5, 2.0], ["finite and positive", "lrs[2] = inf"]),
        ([1e-3, NAN, 1e-1], [1.0, 0.5, 2.0], ["finite and positive", "lrs[1] = nan"]),
        ([1e-3, 1e-1, 1e-2], [1.0, 0.5, 2.0], ["strictly increasing", "lrs[2] = 0.01", "lrs[1] = 0.1"]),
        ([1e-3, 1e-2, 1e-2], [1.0, 0.5, 2.0], ["strictly increasing", "lrs[2] = 0.01", "lrs[1] = 0.01"]),
        ([1e-3, 1e-2, 1e-1], [1.0, NAN, NAN], ["2 finite losses", "got 1 of 3"]),
        ([1e-3, 1e-2, 1e-1], [NAN, INF, -INF], ["2 finite losses", "got 0 of 3"]),
        ([1e-3 + 0j, 1e-2], [1.0, 0.5], ["lrs must contain real numbers", "complex128"]),
        ([1e-3, 1e-2], ["1.0", "0.5"], ["losses must contain real numbers", "<U3"]),
        ([1e-3, 1e-2], [True, False], ["losses must contain real numbers", "bool"]),
    ],
    ids=[
        "length-mismatch",
        "single-point",
        "empty",
        "lrs-2d",
        "losses-2d",
        "scalar",
        "zero-lr",
        "negative-lr",
        "inf-lr",
        "nan-lr",
        "decreasing-lr",
        "repeated-lr",
        "one-finite-loss",
        "no-finite-loss",
        "complex-lr",
        "string-losses",
        "bool-losses",
    ],
)
def test_invalid_input_rejected(lrs, losses, fragments):
    with pytest.raises(ValueError) as raised:
        suggest_lr(lrs, losses)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, f"suggest_lr({lrs!r}, {losses!r}) raised {message!r}, expected it to contain {fragment!r}"


def random_valid_input(rng):
    """Draw strictly increasing positive rates, on an uneven log grid, and finite losses."""
    size = int(rng.integers(2, 60))
    log_steps = rng.uniform(0.01, 1.0, size=size)
    lrs = 10.0 ** (rng.uniform(-8.0, -2.0) + np.cumsum(log_steps))
    losses = rng.normal(2.0, 1.0, size=size)
    return lrs, losses


def test_matches_plain_definition():
    rng = np.random.default_rng(PROPERTY_SEED)
    for case in range(PROPERTY_CASES):
        lrs, losses = random_valid_input(rng)
        expected = plain_definition(lrs, losses)

        from_arrays = suggest_lr(lrs, losses)
        from_lists = suggest_lr(lrs.tolist(), losses.tolist())

        context = f"case {case}: lrs={lrs.tolist()!r}, losses={losses.tolist()!r}"
        assert from_arrays == expected, f"{context}: arrays gave {from_arrays!r}, plain definition {expected!r}"
        assert from_lists == expected, f"{context}: lists gave {from_lists!r}, plain definition {expected!r}"
